/**
 * Shared by the activation tests: run Checks against a runtime while a bundle or data update is applied,
 * and watch the main thread for the heavy work (large JSON.parse, OPA setData) the worker should do.
 */
import assert from 'node:assert/strict';
import * as opaWasm from '@open-policy-agent/opa-wasm';
import type { Runtime } from '../../../src/pipeline/runtime.js';
import { decide, upstreamHeaders } from '../helpers.js';

/** Run `fn` with PORTCULLIS_POLICY_ACTIVATION set to `mode` (undefined: the default, the worker). */
export function withMode<T>(mode: string | undefined, fn: () => Promise<T>): Promise<T> {
  const before = process.env.PORTCULLIS_POLICY_ACTIVATION;
  if (mode === undefined) delete process.env.PORTCULLIS_POLICY_ACTIVATION; else process.env.PORTCULLIS_POLICY_ACTIVATION = mode;
  return fn().finally(() => {
    if (before === undefined) delete process.env.PORTCULLIS_POLICY_ACTIVATION; else process.env.PORTCULLIS_POLICY_ACTIVATION = before;
  });
}

export interface ChecksDuring { seen: string[]; during: number; parsedMax: number; setDataCalls: number }

/**
 * `change()` writes the new file, then `apply()` (under `mode`) makes the runtime take it, while `/ok` and
 * `/forbidden` are checked again and again. What `/ok`'s upstream header `header` said each time, in order
 * (or what went wrong), how many rounds ran during the update, the longest text JSON.parse saw and how
 * often setData ran on this thread while it was applied.
 */
export async function checksDuring(rt: Runtime, o: { header: string; mode: string | undefined; change(): void; apply(): Promise<void> }): Promise<ChecksDuring> {
  const seen: string[] = [];
  let during = 0;
  let parsedMax = 0;
  let setDataCalls = 0;
  const parse = JSON.parse;
  const proto = (opaWasm as any).default.LoadedPolicy.prototype;
  const setData = proto.setData;
  const one = async (): Promise<void> => {
    const [ok, no] = await Promise.all([decide(rt, { method: 'GET', path: '/ok' }), decide(rt, { method: 'GET', path: '/forbidden' })]);
    const rev = ok.ok_response ? upstreamHeaders(ok)[o.header] : `denied ${ok.denied_response?.status?.code} ${ok.denied_response?.body}`;
    seen.push(rev ?? `allowed without ${o.header}`);
    if (!no.denied_response || no.denied_response.status.code !== 403 || !no.denied_response.body.includes('ERR_POLICY_DENIED')) {
      seen.push(`/forbidden: ${JSON.stringify(no).slice(0, 200)}`);
    }
  };
  try {
    await one();
    o.change();
    JSON.parse = function (text: string, ...rest: any[]) {
      if (typeof text === 'string') parsedMax = Math.max(parsedMax, text.length);
      return (parse as any).call(JSON, text, ...rest);
    } as typeof JSON.parse;
    proto.setData = function (this: unknown, ...args: unknown[]) { setDataCalls++; return setData.apply(this, args); };
    let done = false;
    const update = withMode(o.mode, o.apply).finally(() => { done = true; });
    for (let i = 0; !done && i < 200_000; i++) {
      await one();
      if (!done) during++;
      await new Promise((r) => setImmediate(r));
    }
    await update;
    JSON.parse = parse;
    proto.setData = setData;
    await one();
    return { seen, during, parsedMax, setDataCalls };
  } finally {
    JSON.parse = parse;
    proto.setData = setData;
  }
}

/** Every Check got the old or the new answer (and `/forbidden` was denied), old first, never old after new. */
export function assertOldThenNew(seen: string[]): void {
  const bad = seen.filter((s) => s !== 'old' && s !== 'new');
  assert.deepEqual(bad, [], 'every Check was answered by the old or the new policy and data; /forbidden was always denied');
  const firstNew = seen.indexOf('new');
  assert.ok(firstNew > 0, 'the old answered first');
  assert.ok(seen.slice(firstNew).every((s) => s === 'new'), `once the new answered, the old never did again: ${seen.join(',')}`);
  assert.equal(seen[seen.length - 1], 'new');
}
