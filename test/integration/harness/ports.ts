import { createServer } from 'node:net';

const handedOut = new Set<number>();

/** A free TCP port on 127.0.0.1 (not handed out before by this process). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        const p = typeof a === 'object' && a ? a.port : 0;
        s.close(() => resolve(p));
      });
    });
    if (!handedOut.has(port) && port < 60000) { handedOut.add(port); return port; }
  }
}
