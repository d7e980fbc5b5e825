/** The link a Kubernetes ConfigMap (or Secret) volume swaps atomically on every update. */
export const CONFIGMAP_DATA_LINK = '..data';

/**
 * Whether an event from a watcher on a file's folder may be a change of the file `name` in it: an event
 * naming the file, one naming nothing (some platforms), or the swap of a Kubernetes ConfigMap volume's
 * `..data` link — the kubelet renames a new `..data` over the old one and the file (a link through
 * `..data`) changes without an event of its own.
 */
export function isFileChange(changed: string | null, name: string): boolean {
  return changed === null || changed === name || changed === CONFIGMAP_DATA_LINK;
}
