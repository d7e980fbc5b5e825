import { notJsonMessage } from '../pipeline/json-message.js';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { ConfigError } from '../config/errors.js';
import type { RequestContext } from '../pipeline/context.js';
import { decodedBody } from './content-coding.js';
import { repeatedName } from './json-repeated-name.js';
import { jsonText } from './json-text.js';

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

export interface Violation { where: string; message: string }

export interface ValidationOptions {
  /** Media types accepted for requests that carry a body (`application/json`, `text/*`); empty: any. */
  contentTypes: string[];
  maxBodyBytes?: number;
  maxHeaders?: number;
  maxHeaderBytes?: number;
  /** Method → compiled JSON Schema for the body ('*' applies to every method with a body). */
  schemas: Map<string, ValidateFunction>;
  maxViolations: number;
  /**
   * Most bytes a body sent with a Content-Encoding decompresses to (threat.inspect.max_total_bytes: the one
   * decoding inspection reads too, content-coding.ts); more cannot be validated. Default 512 KiB.
   */
  maxDecodedBytes?: number;
}

export const JSON_BODY_FACT = 'threat.json';
/** Set (true) when validation found no repeated member name in the body of JSON_BODY_FACT: inspection need not look again. */
export const JSON_UNIQUE_FACT = 'threat.json.unique';
/** threat.inspect.max_total_bytes's default: what a compressed body may decompress to when the options do not say. */
const DEFAULT_MAX_DECODED_BYTES = 512 * 1024;
const NO_BODY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'TRACE']);
/**
 * Not counted by max_headers: the request line as HTTP/2 pseudo-headers (`:authority` is the Host header and
 * counts), and the headers Envoy's connection manager adds before ext_authz. Exact names only, so a client
 * cannot hide headers behind a prefix; one it sends itself under these names goes uncounted (at most these).
 */
const NOT_CLIENT_HEADERS = new Set([':method', ':path', ':scheme', ':protocol',
  'x-request-id', 'x-forwarded-proto', 'x-forwarded-for', 'x-envoy-internal', 'x-envoy-external-address', 'x-forwarded-client-cert']);

/**
 * Compiles the route schemas of one config load: each load has its own Ajv (a `$id` is unique within a
 * load, so an edited schema keeping its `$id` compiles on reload, and old schemas are not kept forever),
 * created on first use; a schema that appears on several routes is compiled once. Never per request.
 */
export class SchemaCompiler {
  private ajv?: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  compile(schema: unknown, pointer: string): ValidateFunction {
    const key = JSON.stringify(schema);
    const hit = this.compiled.get(key);
    if (hit) return hit;
    if (!this.ajv) {
      this.ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, coerceTypes: false, useDefaults: false });
      addFormats(this.ajv);
    }
    try {
      const fn = this.ajv.compile(schema as object);
      this.compiled.set(key, fn);
      return fn;
    } catch (err) {
      throw new ConfigError(pointer, `invalid JSON Schema: ${(err as Error).message}`);
    }
  }
}

/** Compile with the config load's compiler (`ThreatState.schemas`). */
export function compileSchema(schema: unknown, pointer: string, compiler: SchemaCompiler): ValidateFunction {
  return compiler.compile(schema, pointer);
}

export function mediaType(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

export function isJsonType(mt: string): boolean {
  return mt === 'application/json' || (mt.startsWith('application/') && mt.endsWith('+json'));
}

function typeAllowed(mt: string, allowed: string[]): boolean {
  for (const a of allowed) {
    if (a === mt) return true;
    if (a.endsWith('/*') && mt.startsWith(a.slice(0, -1))) return true;
    if (a === '*/*') return true;
  }
  return false;
}

function describe(e: ErrorObject): Violation {
  const where = `body${e.instancePath.replace(/\//g, '.') || ''}`;
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') message = `unknown property "${String(e.params.additionalProperty).slice(0, 64)}"`;
  else if (e.keyword === 'required') message = `missing required property "${String(e.params.missingProperty).slice(0, 64)}"`;
  else if (e.keyword === 'enum') message = `must be one of ${JSON.stringify(e.params.allowedValues).slice(0, 200)}`;
  return { where, message };
}


/**
 * Request validation: header count and size, body size, content type, and the JSON body against the
 * route's schema for the method. Returns the violations (empty: valid). A parsed JSON body is left on
 * `ctx.facts['threat.json']` so later stages do not parse it again. The body size is the bytes as sent
 * (as Envoy counts them); the schema judges the body as the application reads it, decompressed when it
 * was sent with a Content-Encoding (content-coding.ts): one that does not decode, or decompresses to more
 * than maxDecodedBytes, cannot be validated and is refused.
 */
export function validateRequest(ctx: RequestContext, o: ValidationOptions): Violation[] {
  const out: Violation[] = [];
  if (o.maxHeaders !== undefined || o.maxHeaderBytes !== undefined) {
    let n = 0, bytes = 0;
    for (const k in ctx.headers) { if (!NOT_CLIENT_HEADERS.has(k)) n++; bytes += k.length + ctx.headers[k]!.length; }
    if (o.maxHeaders !== undefined && n > o.maxHeaders) out.push({ where: 'headers', message: `too many headers (${n} > ${o.maxHeaders})` });
    if (o.maxHeaderBytes !== undefined && bytes > o.maxHeaderBytes) out.push({ where: 'headers', message: `headers too large (${bytes} > ${o.maxHeaderBytes} bytes)` });
  }
  const declared = Number(ctx.headers['content-length'] ?? ctx.body.length);
  const size = Math.max(ctx.body.length, Number.isFinite(declared) ? declared : 0);
  if (o.maxBodyBytes !== undefined && size > o.maxBodyBytes) out.push({ where: 'body', message: `body too large (${size} > ${o.maxBodyBytes} bytes)` });
  const hasBody = size > 0 || ctx.headers['transfer-encoding'] !== undefined;
  const mt = mediaType(ctx.headers['content-type']);
  if (hasBody && o.contentTypes.length > 0 && !typeAllowed(mt, o.contentTypes)) {
    out.push({ where: 'header.content-type', message: `content type ${mt === '' ? '(none)' : `"${mt.slice(0, 64)}"`} is not allowed (allowed: ${o.contentTypes.join(', ')})` });
  }
  const schema = o.schemas.get(ctx.method) ?? (NO_BODY_METHODS.has(ctx.method) ? undefined : o.schemas.get('*'));
  if (schema && out.length === 0) {
    if (ctx.bodyTruncated) {
      out.push({ where: 'body', message: 'body was not received in full and cannot be validated' });
    } else if (mt !== '' && !isJsonType(mt)) {
      out.push({ where: 'header.content-type', message: `a JSON body is required (got "${mt.slice(0, 64)}")` });
    } else {
      const limit = o.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES;
      const body = decodedBody(ctx, limit);
      if (!Buffer.isBuffer(body)) {
        out.push({ where: 'body', message: body.over ? `the body decompresses to more than max_total_bytes (${limit} bytes) and cannot be validated` : `${body.why}: the body cannot be validated` });
        return out;
      }
      let doc: unknown;
      // the text inspection reads too (UTF-16/32 told by the first bytes, json-text.ts): both stages judge one document
      const text = jsonText(body);
      try {
        doc = JSON.parse(text);
        ctx.facts[JSON_BODY_FACT] = doc;
      } catch (err) {
        out.push({ where: 'body', message: notJsonMessage(err as Error) });
        return out;
      }
      // JSON.parse validated the last value of a repeated name; an upstream may act on the first (gjson,
      // simdjson, streaming parsers): a body the schema cannot vouch for is refused (I-JSON, RFC 7493 §2.3)
      const repeated = repeatedName(text, doc);
      if (repeated !== undefined) {
        out.push({ where: repeated.slice(0, 200), message: 'member name repeats in its object: which value the application reads depends on its JSON parser' });
        return out;
      }
      ctx.facts[JSON_UNIQUE_FACT] = true;
      if (!schema(doc)) for (const e of schema.errors ?? []) { out.push(describe(e)); if (out.length >= o.maxViolations) break; }
    }
  }
  return out.slice(0, o.maxViolations);
}
