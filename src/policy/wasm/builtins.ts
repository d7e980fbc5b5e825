import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { jwtBuiltins } from './jwt-builtins.js';
import { miscBuiltins } from './misc-builtins.js';
import { timeBuiltins } from './time-builtins.js';

/**
 * Builtins a compiled policy may import from the SDK: the ones @open-policy-agent/opa-wasm ships
 * (sprintf, json.is_valid, regex.split, yaml.*) plus ours. A policy that needs any other builtin is
 * refused when it is loaded (see missingBuiltins), never at request time.
 */

type Impl = (...args: any[]) => unknown;

/** OPA semantics: a builtin error makes the expression undefined (0 in the Wasm ABI), not the whole query. */
function undefinedOnError(fn: Impl): Impl {
  return (...args: unknown[]) => {
    try {
      return fn(...args);
    } catch {
      return undefined;
    }
  };
}

export const PORTCULLIS_BUILTINS: Readonly<Record<string, Impl>> = Object.freeze(Object.fromEntries(
  Object.entries({ ...timeBuiltins, ...jwtBuiltins, ...miscBuiltins }).map(([k, f]) => [k, undefinedOnError(f)]),
));

let sdkNames: ReadonlySet<string> | undefined;

/** Names implemented inside the opa-wasm package itself, read from the installed package. */
export function sdkBuiltinNames(): ReadonlySet<string> {
  if (sdkNames) return sdkNames;
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@open-policy-agent/opa-wasm');
  const mod = require(join(dirname(entry), 'builtins', 'index.js')) as Record<string, unknown>;
  sdkNames = new Set(Object.keys(mod));
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
