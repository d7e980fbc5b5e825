/**
 * Finds every regular expression in the source tree by parsing it with the TypeScript compiler, so a
 * pattern is found however it is written or formatted:
 *   - regex literals (`/…/flags`);
 *   - `new RegExp(…)` / `RegExp(…)` whose pattern is a string or template literal without substitutions, or
 *     a `const` in the same file holding one (anything else is reported as a dynamic site);
 *   - `.match('…')` / `.matchAll('…')` / `.search('…')` with a string argument (JavaScript compiles the
 *     string into a RegExp);
 *   - JSON Schema `pattern` values and `patternProperties` keys in TS schema objects and in `*.json` files
 *     (Ajv compiles them with the `u` flag).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

export type SiteKind = 'literal' | 'constructor' | 'string-method' | 'schema-pattern';

export interface RegexSite {
  /** Path relative to the scanned root's parent (e.g. `src/threat/url.ts`). */
  file: string;
  line: number;
  /** First directory under the scanned root (`threat`, `identity` …), or the file name for top-level files. */
  module: string;
  kind: SiteKind;
  source: string;
  flags: string;
}

export interface DynamicSite {
  file: string;
  line: number;
  module: string;
  /** The constructor call as written. */
  text: string;
}

export interface ScanResult { sites: RegexSite[]; dynamic: DynamicSite[]; files: number }

function walkFiles(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walkFiles(p, out);
    else if (/\.(?:ts|mts|cts|json)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
}

/** Split a regex literal's text `/source/flags` into its parts. */
export function splitRegexLiteral(text: string): { source: string; flags: string } {
  const end = text.lastIndexOf('/');
  return { source: text.slice(1, end), flags: text.slice(end + 1) };
}

function stringValue(node: ts.Node | undefined, consts: Map<string, string>): string | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isParenthesizedExpression(node)) return stringValue(node.expression, consts);
  if (ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) return stringValue(node.expression, consts);
  if (ts.isIdentifier(node)) return consts.get(node.text);
  return undefined;
}

function isRegExpCallee(e: ts.Expression): boolean {
  if (ts.isIdentifier(e)) return e.text === 'RegExp';
  if (ts.isPropertyAccessExpression(e)) return e.name.text === 'RegExp' && ts.isIdentifier(e.expression) && e.expression.text === 'globalThis';
  return false;
}

function propName(n: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) return n.text;
  return undefined;
}

/** Every `const NAME = '…'` (string or plain template literal) in the file, for patterns kept in constants. */
function stringConsts(sf: ts.SourceFile): Map<string, string> {
  const consts = new Map<string, string>();
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclarationList(n) && (n.flags & ts.NodeFlags.Const) !== 0) {
      for (const d of n.declarations) {
        if (ts.isIdentifier(d.name)) {
          const v = stringValue(d.initializer, consts);
          if (v !== undefined) consts.set(d.name.text, v);
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return consts;
}

function scanTs(path: string, rel: string, module: string, res: ScanResult): void {
  const sf = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const consts = stringConsts(sf);
  const lineOf = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const add = (n: ts.Node, kind: SiteKind, source: string, flags: string) => res.sites.push({ file: rel, line: lineOf(n), module, kind, source, flags });
  const visit = (n: ts.Node): void => {
    if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const { source, flags } = splitRegexLiteral((n as ts.RegularExpressionLiteral).text);
      add(n, 'literal', source, flags);
    } else if ((ts.isNewExpression(n) || ts.isCallExpression(n)) && isRegExpCallee(n.expression)) {
      const args = n.arguments ?? ts.factory.createNodeArray();
      const source = stringValue(args[0], consts);
      const flags = args.length > 1 ? stringValue(args[1], consts) : '';
      if (source !== undefined && flags !== undefined) add(n, 'constructor', source, flags);
      else if (args[0] && args[0].kind === ts.SyntaxKind.RegularExpressionLiteral && flags !== undefined) { /* literal found on its own */ }
      else res.dynamic.push({ file: rel, line: lineOf(n), module, text: n.getText(sf) });
    } else if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ['match', 'matchAll', 'search'].includes(n.expression.name.text)) {
      const arg = n.arguments[0];
      if (arg && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))) add(n, 'string-method', arg.text, n.expression.name.text === 'matchAll' ? 'g' : '');
    } else if (ts.isPropertyAssignment(n)) {
      const name = propName(n.name);
      if (name === 'pattern') {
        const v = stringValue(n.initializer, consts);
        if (v !== undefined) add(n, 'schema-pattern', v, 'u');
      } else if (name === 'patternProperties' && ts.isObjectLiteralExpression(n.initializer)) {
        for (const p of n.initializer.properties) {
          const key = p.name && propName(p.name as ts.PropertyName);
          if (key !== undefined) add(p, 'schema-pattern', key, 'u');
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}

function scanJson(path: string, rel: string, module: string, res: ScanResult): void {
  const text = readFileSync(path, 'utf8');
  let doc: unknown;
  try { doc = JSON.parse(text); } catch { return; }
  // JSON has no positions once parsed: the line is where the pattern text first appears.
  const lineOf = (needle: string) => { const i = text.indexOf(needle); return i < 0 ? 0 : text.slice(0, i).split('\n').length; };
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) { for (const x of v) visit(x); return; }
    if (v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'pattern' && typeof x === 'string') res.sites.push({ file: rel, line: lineOf(JSON.stringify(x)), module, kind: 'schema-pattern', source: x, flags: 'u' });
      if (k === 'patternProperties' && x !== null && typeof x === 'object') {
        for (const key of Object.keys(x)) res.sites.push({ file: rel, line: lineOf(JSON.stringify(key)), module, kind: 'schema-pattern', source: key, flags: 'u' });
      }
      visit(x);
    }
  };
  visit(doc);
}

/** Scan every .ts/.json file under `root` (e.g. the repository's `src`). */
export function scanRegexes(root: string): ScanResult {
  const files: string[] = [];
  walkFiles(root, files);
  const res: ScanResult = { sites: [], dynamic: [], files: files.length };
  const base = join(root, '..');
  for (const f of files.sort()) {
    const rel = relative(base, f).split(sep).join('/');
    const parts = relative(root, f).split(sep);
    const module = parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.[^.]*$/, '');
    if (f.endsWith('.json')) scanJson(f, rel, module, res);
    else scanTs(f, rel, module, res);
  }
  return res;
}
