import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EvalTimeoutError } from './eval-deadline.js';
import { jwtBuiltins } from './jwt-builtins.js';
import { miscBuiltins } from './misc-builtins.js';
import { regexSplit } from './regex-split.js';
import { timeBuiltins } from './time-builtins.js';

/**
 * Builtins a compiled policy may import from the SDK: the ones @open-policy-agent/opa-wasm ships
 * (sprintf, json.is_valid, yaml.*; regex.split, which ours replaces) plus ours. A policy that needs any other builtin is
 * refused when it is loaded (see missingBuiltins), never at request time.
 */

type Impl = (...args: any[]) => unknown;

/**
 * OPA semantics: a builtin error makes the expression undefined (0 in the Wasm ABI), not the whole query.
 * The evaluation deadline is not a builtin error: it stops the evaluation.
 */
function undefinedOnError(fn: Impl): Impl {
  return (...args: unknown[]) => {
    try {
      return fn(...args);
    } catch (err) {
      if (err instanceof EvalTimeoutError) throw err;
      return undefined;
    }
  };
}

export const PORTCULLIS_BUILTINS: Readonly<Record<string, Impl>> = Object.freeze(Object.fromEntries(
  Object.entries({ ...timeBuiltins, ...jwtBuiltins, ...miscBuiltins }).map(([k, f]) => [k, undefinedOnError(f)]),
));

/**
 * opa-wasm's own builtins module (src/builtins/index.js): the very object its opa.js dispatches from
 * (CommonJS modules are loaded once per thread, so this is the instance opa.js required).
 */
export function sdkBuiltinsModule(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@open-policy-agent/opa-wasm');
  return require(join(dirname(entry), 'builtins', 'index.js')) as Record<string, unknown>;
}

/**
 * opa-wasm 1.10.0 implements regex.split as `value.split(RegExp(pattern))`: JavaScript syntax, not RE2
 * (so `(?i)`, `\pL`, `\z` throw or mean something else), and a backtracking engine that a pattern like
 * `(a+)+$` freezes the process with. opa.js dispatches `builtinFuncs[name] || customBuiltins[name]`, so
 * the SDK's entry wins over any custom builtin passed to loadPolicy: it is replaced here, once, on the
 * module object opa.js reads, by OPA's semantics (regex-split.ts). This runs wherever builtins.ts is
 * imported (engine.ts: the main thread and the activation worker). An opa-wasm upgrade that moves its
 * builtins makes test/unit/policy/regex-split.test.ts fail.
 */
sdkBuiltinsModule()['regex.split'] = undefinedOnError(regexSplit);

let sdkNames: ReadonlySet<string> | undefined;

/** Names implemented inside the opa-wasm package itself, read from the installed package. */
export function sdkBuiltinNames(): ReadonlySet<string> {
  if (sdkNames) return sdkNames;
  sdkNames = new Set(Object.keys(sdkBuiltinsModule()));
  return sdkNames;
}

/** Every builtin name a policy may require. */
export function supportedBuiltins(): string[] {
  return [...new Set([...sdkBuiltinNames(), ...Object.keys(PORTCULLIS_BUILTINS)])].sort();
}

/** The subset of `required` that neither opa-wasm nor Portcullis implements. */
export function missingBuiltins(required: Iterable<string>): string[] {
  const sdk = sdkBuiltinNames();
  const out: string[] = [];
  for (const name of required) if (!sdk.has(name) && PORTCULLIS_BUILTINS[name] === undefined) out.push(name);
  return out.sort();
}
