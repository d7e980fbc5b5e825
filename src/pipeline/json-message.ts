/**
 * A fixed message for a body `JSON.parse` refused. V8's own message quotes the start of the body (a password
 * in a form post sent as JSON), so at most the character position V8 reports is kept.
 */
export function notJsonMessage(err: unknown, prefix = 'body is not valid JSON'): string {
  const at = / JSON at position (\d{1,10})(?: \(line \d+ column \d+\))?$/.exec((err as Error)?.message ?? '')?.[1];
  return at === undefined ? prefix : `${prefix} (at character ${at})`;
}
