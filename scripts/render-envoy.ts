// Renders envoy/envoy.yaml (a template; TEMPLATE=istio-sidecar.yaml picks another under envoy/) with
// envoy/defaults.json overridden by the given variables.
//   node --import tsx scripts/render-envoy.ts [NAME=value ...] > /tmp/envoy.yaml
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function envoyDefaults(): Record<string, string> {
  return JSON.parse(readFileSync(join(REPO, 'envoy', 'defaults.json'), 'utf8'));
}

/** `{{#if NAME}}…{{/if NAME}}` blocks kept when NAME is set and not "false"; then `{{NAME}}` substituted. */
export function renderTemplate(text: string, vars: Record<string, string>): string {
  const on = (n: string) => vars[n] !== undefined && vars[n] !== '' && vars[n] !== 'false';
  let out = text;
  for (let i = 0; i < 10; i++) {
    const next = out.replace(/\{\{#if ([A-Z0-9_]+)\}\}\n?([\s\S]*?)\{\{\/if \1\}\}\n?/g, (_m, n: string, body: string) => (on(n) ? body : ''));
    if (next === out) break;
    out = next;
  }
  out = out.replace(/\{\{([A-Z0-9_]+)\}\}/g, (m, n: string) => {
    if (vars[n] === undefined) throw new Error(`envoy template: no value for {{${n}}}`);
    return vars[n]!;
  });
  return out;
}

export function renderEnvoy(overrides: Record<string, string> = {}, template = 'envoy.yaml'): string {
  const vars = { ...envoyDefaults(), ...overrides };
  const endpoints = vars.PORTCULLIS_ADDRESSES!.split(',').map((a) => {
    const i = a.lastIndexOf(':');
    return `        - endpoint: { address: { socket_address: { address: ${a.slice(0, i)}, port_value: ${a.slice(i + 1)} } } }`;
  }).join('\n');
  vars.PORTCULLIS_ENDPOINTS = endpoints;
  vars.CERT_DIR = resolve(REPO, vars.CERT_DIR!);
  return renderTemplate(readFileSync(join(REPO, 'envoy', template), 'utf8'), vars);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const overrides: Record<string, string> = {};
  for (const a of process.argv.slice(2)) { const i = a.indexOf('='); if (i > 0) overrides[a.slice(0, i)] = a.slice(i + 1); }
  const { TEMPLATE, ...rest } = overrides;
  process.stdout.write(renderEnvoy(rest, TEMPLATE));
}
