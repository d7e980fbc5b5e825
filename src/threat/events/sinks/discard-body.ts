/** Most of a receiver's response body that is read (and thrown away) before the response is cancelled. */
export const MAX_DISCARD_BYTES = 64 * 1024;

/**
 * Reads and discards a response body of at most `max` bytes, so the connection goes back to the pool for
 * the next request; a longer one (or one still streaming) is cancelled, which closes that connection
 * instead of holding the whole body in memory. Never throws.
 */
export async function discardBody(res: Response, max = MAX_DISCARD_BYTES): Promise<void> {
  const body = res.body;
  if (body === null) return;
  const reader = body.getReader();
  let seen = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
      if (seen > max) { await reader.cancel().catch(() => undefined); return; }
    }
  } catch {
    // aborted (timeout_ms) or reset: nothing to keep
  }
}
