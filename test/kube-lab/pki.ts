/**
 * The kube-lab's credentials, made with openssl: a CA, the apiserver's serving certificate (names
 * 127.0.0.1 for the host's port forward, the control-plane address and the kubernetes Service), the
 * apiserver's kubelet client certificate, the service-account key pair, and static bearer tokens for
 * the admin and every daemon (--token-auth-file).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../lab/exec.js';
import { CLUSTER_DOMAIN, CONTROL_PLANE_IP, KUBERNETES_SERVICE_IP } from './plan.js';

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  caPem: string;
  apiserverCert: string;
  apiserverKey: string;
  kubeletClientCert: string;
  kubeletClientKey: string;
  saKey: string;
  saPub: string;
  tokenFile: string;
  tokens: Map<string, string>;
}

const openssl = (args: string[]): Promise<unknown> => run(['openssl', ...args], { timeoutMs: 30_000 });

async function signed(dir: string, name: string, subject: string, ext: string, caCert: string, caKey: string): Promise<void> {
  const p = (s: string): string => path.join(dir, `${name}.${s}`);
  writeFileSync(p('ext'), ext);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('key'), '-subj', subject, '-out', p('csr')]);
  await openssl(['x509', '-req', '-in', p('csr'), '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-days', '3650', '-extfile', p('ext'), '-out', p('crt')]);
}

/** users: user name → groups. */
export async function makePki(dir: string, users: ReadonlyMap<string, readonly string[]>): Promise<Pki> {
  const caCert = path.join(dir, 'ca.crt');
  const caKey = path.join(dir, 'ca.key');
  await openssl([
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caCert, '-days', '3650', '-subj', '/CN=kube-lab-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  const sans = [
    'IP:127.0.0.1', `IP:${CONTROL_PLANE_IP}`, `IP:${KUBERNETES_SERVICE_IP}`, 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc', `DNS:kubernetes.default.svc.${CLUSTER_DOMAIN}`,
  ];
  await signed(dir, 'apiserver', '/CN=kube-apiserver',
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans.join(',')}\n`,
    caCert, caKey);
  await signed(dir, 'apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n', caCert, caKey);
  const saKey = path.join(dir, 'sa.key');
  const saPub = path.join(dir, 'sa.pub');
  await openssl(['genrsa', '-out', saKey, '2048']);
  await openssl(['rsa', '-in', saKey, '-pubout', '-out', saPub]);

  const tokens = new Map<string, string>();
  const lines: string[] = [];
  for (const [user, groups] of users) {
    const token = randomBytes(24).toString('hex');
    tokens.set(user, token);
    lines.push(`${token},${user},${user}${groups.length > 0 ? `,"${groups.join(',')}"` : ''}`);
  }
  const tokenFile = path.join(dir, 'tokens.csv');
  writeFileSync(tokenFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  return {
    dir,
    caCert,
    caKey,
    caPem: readFileSync(caCert, 'utf8'),
    apiserverCert: path.join(dir, 'apiserver.crt'),
    apiserverKey: path.join(dir, 'apiserver.key'),
    kubeletClientCert: path.join(dir, 'apiserver-kubelet-client.crt'),
    kubeletClientKey: path.join(dir, 'apiserver-kubelet-client.key'),
    saKey,
    saPub,
    tokenFile,
    tokens,
  };
}

export function tokenOf(pki: Pki, user: string): string {
  const t = pki.tokens.get(user);
  if (t === undefined) throw new Error(`kube-lab: no token for ${user}`);
  return t;
}
