import { X509Certificate, createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { parse as parseYaml } from 'yaml';
import { BundleFormatError, normalizeBundlePath, type BundleFiles } from './archive.js';
import { canonicalJson } from './canonical-json.js';

/** A verification key, as in OPA's `keys:` config. */
export interface VerificationKey {
  algorithm: string;
  /** PEM public key / certificate (RS*, PS*, ES*, EdDSA) or the shared secret (HS*). */
  key: string;
  scope?: string;
}

/** A bundle's `signing:` config, as in OPA. */
export interface SigningConfig {
  keys: ReadonlyMap<string, VerificationKey>;
  /** Key to use whatever the JWT's kid says. */
  keyid?: string;
  scope?: string;
  excludeFiles?: readonly string[];
}

export const SIGNATURES_FILE = '.signatures.json';

const HASHES: Record<string, string> = {
  'MD5': 'md5', 'SHA-1': 'sha1', 'SHA-224': 'sha224', 'SHA-256': 'sha256', 'SHA-384': 'sha384',
  'SHA-512': 'sha512', 'SHA-512-224': 'sha512-224', 'SHA-512-256': 'sha512-256',
};

const STRUCTURED = new Set(['data.json', 'data.yaml', 'data.yml', '.manifest', SIGNATURES_FILE]);

function isStructured(path: string): boolean {
  return STRUCTURED.has(path.slice(path.lastIndexOf('/') + 1));
}

/** The digest OPA puts in the signature for one file: raw bytes, or the canonical JSON of structured files. */
export function fileDigest(path: string, content: Buffer, algorithm: string): string {
  const alg = HASHES[algorithm];
  if (!alg) throw new BundleFormatError('signature', `${path}: unsupported hashing algorithm "${algorithm}"`);
  const h = createHash(alg);
  if (isStructured(path)) {
    const text = content.toString('utf8');
    const canonical = path.endsWith('.yaml') || path.endsWith('.yml') ? canonicalJson(JSON.stringify(parseYaml(text) ?? null)) : canonicalJson(text);
    h.update(canonical, 'utf8');
  } else {
    h.update(content);
  }
  return h.digest('hex');
}

function importKey(k: VerificationKey): KeyObject | Uint8Array {
  if (k.algorithm.startsWith('HS')) return new TextEncoder().encode(k.key);
  if (k.key.includes('BEGIN CERTIFICATE')) return new X509Certificate(k.key).publicKey;
  return createPublicKey(k.key);
}

interface SignedFile { name: string; hash: string; algorithm?: string }

/**
 * Verify a bundle's .signatures.json the way OPA does: exactly one JWT, signed by the configured key
 * (config keyid, else the JWT kid, else the payload's keyid), matching scope, and every file of the
 * bundle (but the signature file and excluded files) listed with a matching digest — and nothing listed
 * that is missing. Throws BundleFormatError('signature', …).
 */
export async function verifyBundleSignature(files: BundleFiles, cfg: SigningConfig): Promise<void> {
  const fail = (msg: string): never => { throw new BundleFormatError('signature', msg); };
  const raw = files.get(SIGNATURES_FILE) ?? fail('bundle is not signed (no .signatures.json) but signature verification is configured');
  let sigs: unknown;
  try { sigs = JSON.parse(raw.toString('utf8')); } catch { fail('.signatures.json is not valid JSON'); }
  const list = (sigs as { signatures?: unknown })?.signatures;
  if (!Array.isArray(list) || list.length === 0) fail('.signatures.json: missing JWT (expected exactly one)');
  if ((list as unknown[]).length > 1) fail('.signatures.json: multiple JWTs not supported (expected exactly one)');
  const token = (list as unknown[])[0];
  if (typeof token !== 'string') fail('.signatures.json: the signature is not a string');
  const jwt = token as string;

  let header: { kid?: unknown };
  let payloadClaims: { keyid?: unknown };
  try {
    header = decodeProtectedHeader(jwt);
    payloadClaims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return fail('.signatures.json: the signature is not a JWT');
  }
  const keyid = cfg.keyid ?? (typeof header.kid === 'string' ? header.kid : undefined) ?? (typeof payloadClaims.keyid === 'string' ? payloadClaims.keyid : undefined);
  if (!keyid) fail('verification key ID is empty');
  const key = cfg.keys.get(keyid!) ?? fail(`verification key "${keyid}" is not configured`);

  let payload: { files?: SignedFile[]; scope?: string };
  try {
    const { payload: bytes } = await compactVerify(jwt, importKey(key), { algorithms: [key.algorithm] });
    payload = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    return fail(`bundle signature is invalid: ${(err as Error).message}`);
  }
  const scope = cfg.scope ?? key.scope;
  if ((payload.scope ?? '') !== (scope ?? '')) fail('scope mismatch');

  const signed = new Map<string, SignedFile>();
  for (const f of payload.files ?? []) {
    if (!f || typeof f.name !== 'string' || typeof f.hash !== 'string') fail('.signatures.json: malformed file entry');
    // named as the bundle's entries are (opa build -b ../src signs "../src/p.rego" for the entry "/../src/p.rego")
    let name: string;
    try { name = normalizeBundlePath(f.name); } catch { return fail('.signatures.json: malformed file entry'); }
    signed.set(name, f);
  }
  const excluded = new Set(cfg.excludeFiles ?? []);
  for (const [path, content] of files) {
    if (path === SIGNATURES_FILE || excluded.has(path)) continue;
    const f = signed.get(path) ?? fail(`file ${path} not included in bundle signature`);
    if (!f.algorithm) fail(`no hashing algorithm provided for file ${path}`);
    let digest: string;
    try { digest = fileDigest(path, content, f.algorithm!); } catch (err) {
      if (err instanceof BundleFormatError) throw err;
      return fail(`${path}: cannot hash: ${(err as Error).message}`);
    }
    if (digest !== f.hash.toLowerCase()) fail(`${path}: digest mismatch`);
    signed.delete(path);
  }
  for (const name of excluded) signed.delete(name);
  if (signed.size > 0) fail(`file(s) ${[...signed.keys()].join(', ')} specified in bundle signature but not found in the bundle`);
}
