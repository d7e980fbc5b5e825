import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every process the harness started, so they are all stopped even when a test fails or throws. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) { try { process.kill(-p.pid!, 'SIGKILL'); } catch { /* gone */ } }
});

export interface Managed {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  logs(): string;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

export function spawnManaged(name: string, cmd: string, args: string[], opts: { dir: string; env?: NodeJS.ProcessEnv; cwd?: string }): Managed {
  mkdirSync(opts.dir, { recursive: true });
  const logFile = join(opts.dir, `${name}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  // own process group: stop() and the exit hook take down children (e.g. wrappers) too
  const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  child.once('close', () => out.end());
  live.add(child);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => { live.delete(child); resolve(code ?? signal ?? -1); });
    child.once('error', (err) => { live.delete(child); out.write(`spawn error: ${err.message}\n`); resolve(-1); });
  });
  return {
    name, child, logFile, exited,
    logs: () => { try { return readFileSync(logFile, 'utf8'); } catch { return ''; } },
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      try { process.kill(-child.pid!, signal); } catch { /* already gone */ }
      const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}

export async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 15000, intervalMs = 50, proc?: Managed): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) {
      throw new Error(`${what}: ${proc.name} exited early (${proc.child.exitCode ?? proc.child.signalCode}).\n${proc.logs().slice(-3000)}`);
    }
    try { if (await fn()) return; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${proc ? `\n${proc.logs().slice(-3000)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
