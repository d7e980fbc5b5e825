import { readFileSync, renameSync, rmSync } from 'node:fs';
import { parseFlags, type Command } from '../../cli/command.js';
import { normalizeEntrypoint } from '../config.js';
import { supportedBuiltins } from '../wasm/builtins.js';
import { PolicyLoadError } from '../wasm/engine.js';
import { dataValue } from '../bundle/load.js';
import { buildBundle, checkBundle, DEFAULT_OUT, DEFAULT_SRC } from './build.js';
import { locateBuiltinCalls } from './builtin-locate.js';
import { localEngine } from './load-local.js';
import { findOpa, NO_OPA_MESSAGE, runOpa } from './opa.js';
import { emptyReport, formatReport, readDecisionLog, replay } from './replay.js';

/** Repeatable --name flags (parseFlags keeps only the last). */
function many(args: string[], ...names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n && i + 1 < args.length) out.push(args[++i]!);
      else if (a.startsWith(`${n}=`)) out.push(a.slice(n.length + 1));
    }
  }
  return out;
}

function str(v: string | true | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A boolean flag (parseFlags may have taken the next short option, e.g. "-e", as its value). */
function bool(args: string[], name: string): boolean {
  return args.some((a) => a === `--${name}` || a === `--${name}=true`);
}

export const policyTestCommand: Command = {
  name: 'policy test',
  summary: 'run the Rego unit tests (opa test) of a policy source folder',
  usage: 'policy test [--src policies/src] [--v0-compatible] [-- extra opa test flags, e.g. -v --coverage]',
  async run(args) {
    const dd = args.indexOf('--');
    const own = dd >= 0 ? args.slice(0, dd) : args;
    const { flags } = parseFlags(own, ['v0-compatible']);
    const extra = dd >= 0 ? args.slice(dd + 1) : [];
    if (bool(own, 'v0-compatible')) extra.unshift('--v0-compatible');
    const opa = findOpa();
    if (!opa) { process.stderr.write(`${NO_OPA_MESSAGE}\n`); return 2; }
    const src = str(flags.src) ?? DEFAULT_SRC;
    const r = runOpa(opa, ['test', src, ...extra], process.cwd());
    process.stdout.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
    return r.status ?? 1;
  },
};

export const policyBuildCommand: Command = {
  name: 'policy build',
  summary: 'compile Rego to a Wasm bundle (opa build -t wasm); --check fails when the committed bundle is stale',
  usage: 'policy build [--src policies/src] [--out policies/bundle.tar.gz] [--revision R] [-e ENTRYPOINT]... [--v0-compatible] [--signing-key KEY.pem --signing-alg RS256] [--check]',
  async run(args) {
    const { flags } = parseFlags(args, ['check', 'v0-compatible']);
    const src = str(flags.src) ?? DEFAULT_SRC;
    const out = str(flags.out) ?? DEFAULT_OUT;
    const entrypoints = many(args, '-e', '--entrypoint').map(normalizeEntrypoint);
    const v0Compatible = bool(args, 'v0-compatible');
    if (flags.check) {
      const r = await checkBundle({ src, out, entrypoints, v0Compatible });
      (r.stale ? process.stderr : process.stdout).write(`${r.lines.join('\n')}\n`);
      return r.stale ? 1 : 0;
    }
    // built aside and loaded as the service would load it; only a loadable bundle replaces `out`
    const staged = `${out}.staged-${process.pid}`;
    const r = buildBundle({ src, out: staged, entrypoints, v0Compatible, revision: str(flags.revision), signingKey: str(flags['signing-key']), signingAlg: str(flags['signing-alg']) });
    if (!r.ok) { process.stderr.write(`${r.output.trimEnd()}\n`); return 1; }
    if (r.output.trim()) process.stderr.write(`${r.output.trimEnd()}\n`);
    let entrypointList: string;
    try {
      entrypointList = (await localEngine(staged, [])).loaded.compiled.entrypoints.join(', ');
    } catch (err) {
      rmSync(staged, { force: true });
      const lines = [`error: ${src}: opa built the policy, but Portcullis cannot load it: ${(err as Error).message}`];
      const opa = findOpa();
      if (err instanceof PolicyLoadError && err.reason === 'builtins' && opa) {
        for (const l of locateBuiltinCalls(opa, src, err.missingBuiltins, v0Compatible)) lines.push(`  ${l} (not available to Wasm policies in Portcullis)`);
      }
      process.stderr.write(`${lines.join('\n')}\n${out} was left unchanged\n`);
      return 1;
    }
    renameSync(staged, out);
    process.stdout.write(`${out}: revision ${r.revision}, entrypoints: ${entrypointList}\n`);
    return 0;
  },
};

export const policyInspectCommand: Command = {
  name: 'policy inspect',
  summary: 'show a bundle\'s revision, entrypoints and builtins, and whether Portcullis can load it',
  usage: 'policy inspect BUNDLE(.tar.gz|dir)',
  async run(args) {
    const path = parseFlags(args).rest[0];
    if (!path) { process.stderr.write(`usage: portcullis ${this.usage}\n`); return 2; }
    try {
      const { loaded } = await localEngine(path, []);
      process.stdout.write(`${JSON.stringify({
        revision: loaded.bundle.revision,
        roots: loaded.bundle.manifest.roots,
        entrypoints: loaded.compiled.entrypoints,
        builtins_required: loaded.compiled.requiredBuiltins,
        data_keys: Object.keys(dataValue(loaded.data)),
        loadable: true,
      }, null, 2)}\n`);
      return 0;
    } catch (err) {
      process.stderr.write(`${path}: cannot be loaded: ${(err as Error).message}\n(SDK builtins available: ${supportedBuiltins().join(', ')})\n`);
      return 1;
    }
  },
};

export const policyEvalCommand: Command = {
  name: 'policy eval',
  summary: 'evaluate one entrypoint of a bundle on an input document (JSON file, or - for stdin)',
  usage: 'policy eval --bundle BUNDLE --entrypoint PATH --input FILE|- [--data path=file.json]...',
  async run(args) {
    const { flags } = parseFlags(args);
    const bundle = str(flags.bundle);
    const ep = str(flags.entrypoint);
    const inputFile = str(flags.input);
    if (!bundle || !ep || !inputFile) { process.stderr.write(`usage: portcullis ${this.usage}\n`); return 2; }
    const { engine } = await localEngine(bundle, many(args, '--data'));
    const text = readFileSync(inputFile === '-' ? 0 : inputFile, 'utf8');
    try {
      JSON.parse(text); // a clear error for a file that is not JSON
    } catch (err) {
      throw new SyntaxError(`${inputFile === '-' ? 'stdin' : inputFile} is not JSON: ${(err as Error).message}`);
    }
    // the text itself, as `opa eval` reads it: numbers beyond a double stay exact
    const input = new TextEncoder().encode(text).buffer;
    process.stdout.write(`${JSON.stringify(engine.evaluate(normalizeEntrypoint(ep), input) ?? null, null, 2)}\n`);
    return 0;
  },
};

export const policyReplayCommand: Command = {
  name: 'policy replay',
  summary: 're-evaluate logged decisions against a new bundle and report every decision that would flip (exit 1 if any)',
  usage: 'policy replay --log decisions.jsonl --bundle NEW(.tar.gz|dir) [--entrypoint PATH] [--data path=file.json]... [--json] [--limit N]',
  async run(args) {
    const { flags } = parseFlags(args, ['json']);
    const log = str(flags.log);
    const bundle = str(flags.bundle);
    if (!log || !bundle) { process.stderr.write(`usage: portcullis ${this.usage}\n`); return 2; }
    let loaded;
    let engine;
    try {
      ({ loaded, engine } = await localEngine(bundle, many(args, '--data')));
    } catch (err) {
      process.stderr.write(`${bundle}: cannot be loaded: ${(err as Error).message}\n`);
      return 2;
    }
    const report = emptyReport();
    const ep = str(flags.entrypoint);
    try {
      await replay(readDecisionLog(log, report), engine, report, {
        entrypoint: ep ? normalizeEntrypoint(ep) : undefined,
        limit: flags.limit ? Number(flags.limit) : undefined,
      });
    } catch (err) {
      process.stderr.write(`${log}: ${(err as Error).message}\n`);
      return 2;
    }
    process.stdout.write(flags.json
      ? `${JSON.stringify({ bundle, revision: loaded.bundle.revision, ...report }, null, 2)}\n`
      : `${formatReport(report, bundle, loaded.bundle.revision)}\n`);
    return report.flipped.length > 0 ? 1 : 0;
  },
};

export const POLICY_COMMANDS: Command[] = [policyTestCommand, policyBuildCommand, policyInspectCommand, policyEvalCommand, policyReplayCommand];
