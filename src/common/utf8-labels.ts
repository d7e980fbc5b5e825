/**
 * Charset labels whose text is read as UTF-8 everywhere (US-ASCII is a subset): a body declaring one of these
 * needs no other reading. Lower-case labels.
 */
const UTF8_LABELS: ReadonlySet<string> = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

export const isUtf8Label = (label: string): boolean => UTF8_LABELS.has(label);
