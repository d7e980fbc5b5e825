// Istio-style workload certificates for envoy/istio-sidecar.yaml: a mesh CA and certificates whose only identity
// is a SPIFFE URI SAN spiffe://cluster.local/ns/<ns>/sa/<sa> (istiod's form). The server workload's also has
// DNS:localhost so a test client can reach the inbound listener directly with Node's TLS (which checks the name).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TRUST_DOMAIN = 'cluster.local';
export const spiffe = (ns: string, sa: string) => `spiffe://${TRUST_DOMAIN}/ns/${ns}/sa/${sa}`;

export interface IstioCerts {
  dir: string;
  ca: Buffer;
  /** A certificate + key for a workload identity, signed by the mesh CA (or by `rogue`, a CA the mesh does not trust). */
  cert(name: string): { cert: Buffer; key: Buffer };
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`,
    '-out', `${name}.crt`, '-days', '2', '-subj', `/O=${name}`]);
}

function makeLeaf(dir: string, ca: string, name: string, san: string): void {
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/']);
  // Istio workload certificates: empty subject, the SPIFFE ID as the one URI SAN, both TLS usages
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=critical,${san}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`]);
  rmSync(join(dir, `${name}.csr`));
  rmSync(join(dir, `${name}.ext`));
}

/**
 * ca.crt (the mesh CA), workload.crt/key (api-gateway in shop: the server sidecar), sidecar.crt/key (web in shop:
 * the client sidecar), and for direct requests: intruder (ns other), bad-ns (a SPIFFE ID without /ns/…/sa/…),
 * rogue (shop/web again, signed by a CA the mesh does not trust).
 */
export function makeIstioCerts(dir: string): IstioCerts {
  mkdirSync(dir, { recursive: true });
  makeCa(dir, 'ca');
  makeCa(dir, 'rogue-ca');
  makeLeaf(dir, 'ca', 'workload', `URI:${spiffe('shop', 'api-gateway')},DNS:localhost`);
  makeLeaf(dir, 'ca', 'sidecar', `URI:${spiffe('shop', 'web')}`);
  makeLeaf(dir, 'ca', 'intruder', `URI:${spiffe('other', 'intruder')}`);
  makeLeaf(dir, 'ca', 'batch', `URI:${spiffe('shop', 'batch')}`);
  makeLeaf(dir, 'rogue-ca', 'rogue', `URI:${spiffe('shop', 'web')}`);
  const r = (f: string) => readFileSync(join(dir, f));
  return { dir, ca: r('ca.crt'), cert: (name) => ({ cert: r(`${name}.crt`), key: r(`${name}.key`) }) };
}
