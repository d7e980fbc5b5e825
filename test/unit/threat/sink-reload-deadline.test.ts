import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RuntimeHolder } from '../../../src/config/reloader.js';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import type { ThreatModule } from '../../../src/threat/module.js';
import { silent } from '../helpers.js';

const ev = (i: number) => ({ decision_id: `d-${i}` }) as unknown as SecurityEvent;

describe('a reload\'s replaced sinks deliver within drain_timeout_ms', () => {
  it('the replaced webhook sink of a receiver that never answers (timeout_ms 60000) is let go after drain_timeout_ms, so a shutdown right after the reload is not held', { timeout: 30_000 }, async (t) => {
    const held: Socket[] = [];
    let calls = 0;
    const stuck = createServer((req: IncomingMessage) => { calls++; held.push(req.socket); req.resume(); });
    await new Promise<void>((r) => stuck.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'sink-reload-'));
    t.after(() => { for (const s of held) s.destroy(); stuck.close(); rmSync(dir, { recursive: true, force: true }); });
    const url = `http://127.0.0.1:${(stuck.address() as AddressInfo).port}/hook`;
    const file = join(dir, 'portcullis.yaml');
    const config = (timeout: number) => `server: { drain_timeout_ms: 200 }\ndefault_action: { action: allow }\nthreat:\n  events:\n    log: false\n    sinks:\n      - { type: webhook, name: stuck, url: "${url}", flush_ms: 1000, timeout_ms: ${timeout} }\nroutes:\n  - name: all\n    match: { path: { prefix: / } }\n`;
    writeFileSync(file, config(60_000));
    const holder = new RuntimeHolder(file, silent);
    await holder.start();
    (holder.current.modules.get('threat') as ThreatModule).state.events.emit(ev(1));
    // the batch is in flight (flush_ms) and held by the receiver before the sink is retired: waiting for the
    // request here, not after close(), keeps a loaded machine from turning "not sent within 200 ms" into a failure
    while (calls === 0) await new Promise((r) => setTimeout(r, 20));
    writeFileSync(file, config(59_000)); // another timeout_ms: a new sink, the old one is retired
    assert.deepEqual(await holder.reload('test'), { ok: true });
    // before: close() waited for the retired sink's 60 s request (the test's 30 s timeout failed it)
    await holder.close();
    assert.equal(calls, 1, 'the retired sink sent its batch once and did not retry after being let go');
  });
});
