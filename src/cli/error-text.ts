import { ConfigError, ConfigLoadError } from '../config/errors.js';
import { RlsConfigError } from '../ratelimit/envoy-config/problems.js';
import { BundleFormatError } from '../policy/bundle/archive.js';
import { DataFormatError } from '../policy/data/format-error.js';
import { PolicyEvalError, PolicyLoadError } from '../policy/wasm/engine.js';

/** Errors that describe the user's input (a file, a flag, a bundle): their message says it all. */
const USER_ERRORS: ReadonlyArray<abstract new (...args: never[]) => Error> = [
  ConfigError, ConfigLoadError, RlsConfigError, BundleFormatError, DataFormatError, PolicyEvalError, PolicyLoadError, SyntaxError,
];

/**
 * What the CLI prints for an error a command threw: one line for the user's mistakes (as `opa eval` and
 * `envoy --mode validate` print them) and for the operating system's (a missing file names itself); the
 * stack for anything else, which is a bug worth reporting.
 */
export function cliErrorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (USER_ERRORS.some((c) => err instanceof c)) return err.message;
  if (typeof (err as NodeJS.ErrnoException).code === 'string' && (err as NodeJS.ErrnoException).syscall !== undefined) return err.message;
  return err.stack ?? `${err.name}: ${err.message}`;
}
