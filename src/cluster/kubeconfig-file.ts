/**
 * One kubeconfig file read into client-node's entry shapes (Cluster, User, Context), the way
 * client-node's KubeConfig.loadFromFile does it (same validation, token-file read once, certificate
 * paths made absolute against the file's directory) — without importing client-node, whose
 * generated API costs ~1-2 s and ~90 MB at start-up. client-node is loaded only when a connection
 * needs it (exec/auth-provider credentials, basic auth, impersonation, proxies, pod exec).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RequestOptions } from 'node:https';
import path from 'node:path';
import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node';
import { yamlLib } from '../util/yaml-lib.js';

export interface KubeconfigEntries {
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext: string;
}

type Doc = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const absolute = (root: string, file: string | undefined): string | undefined => (file === undefined || path.isAbsolute(file) ? file : path.join(root, file));

/** Reads and validates one file; throws Error with client-node's wording (`clusters[0].name is missing`). */
export function readKubeconfigFile(file: string): KubeconfigEntries {
  const root = path.dirname(file);
  const doc = (yamlLib().parse(readFileSync(file, 'utf8')) ?? {}) as Doc;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('the document is not a YAML mapping');
  const list = (key: string): Doc[] => (Array.isArray(doc[key]) ? (doc[key] as Doc[]) : []);
  const clusters = list('clusters').map((e, i): Cluster => {
    const c = e?.cluster as Doc | undefined;
    if (!e?.name) throw new Error(`clusters[${i}].name is missing`);
    if (!c) throw new Error(`clusters[${i}].cluster is missing`);
    if (!c.server) throw new Error(`clusters[${i}].cluster.server is missing`);
    return {
      name: String(e.name),
      server: String(c.server).replace(/\/$/, ''),
      caData: str(c['certificate-authority-data']),
      caFile: absolute(root, str(c['certificate-authority'])),
      skipTLSVerify: c['insecure-skip-tls-verify'] === true,
      tlsServerName: str(c['tls-server-name']),
      proxyUrl: str(c['proxy-url']),
    };
  });
  const users = list('users').map((e, i): User => {
    if (!e?.name) throw new Error(`users[${i}].name is missing`);
    const u = (e.user ?? undefined) as Doc | undefined;
    const tokenFile = str(u?.['token-file']);
    return {
      name: String(e.name),
      authProvider: u?.['auth-provider'],
      certData: str(u?.['client-certificate-data']),
      certFile: absolute(root, str(u?.['client-certificate'])),
      keyData: str(u?.['client-key-data']),
      keyFile: absolute(root, str(u?.['client-key'])),
      exec: u?.exec,
      token: str(u?.token) || (tokenFile ? readFileSync(tokenFile).toString() : undefined),
      username: str(u?.username),
      password: str(u?.password),
      impersonateUser: str(u?.as),
    } as User;
  });
  const contexts = list('contexts').map((e, i): Context => {
    const c = e?.context as Doc | undefined;
    if (!e?.name) throw new Error(`contexts[${i}].name is missing`);
    if (!c) throw new Error(`contexts[${i}].context is missing`);
    return { name: String(e.name), cluster: String(c.cluster ?? ''), user: String(c.user ?? ''), ...(c.namespace ? { namespace: String(c.namespace) } : {}) };
  });
  return { clusters, users, contexts, currentContext: str(doc['current-context']) ?? '' };
}

/** client-node, loaded synchronously on first need (Node >= 22 requires ES modules). */
export function clientNode(): typeof import('@kubernetes/client-node') {
  return createRequire(import.meta.url)('@kubernetes/client-node') as typeof import('@kubernetes/client-node');
}

/** A client-node KubeConfig holding `entries`, set to `context`. */
export function toKubeConfig(entries: KubeconfigEntries, context: string): KubeConfig {
  const kc = new (clientNode().KubeConfig)();
  kc.loadFromOptions({ ...entries, currentContext: context });
  return kc;
}

/**
 * TLS and bearer-token options for a user and cluster that need nothing from client-node (what
 * KubeConfig.applyToHTTPSOptions sets for them); undefined when they do: exec or auth-provider
 * credentials, basic auth, impersonation, a proxy.
 */
export function staticHttpsOptions(cluster: Cluster, user: User | undefined): RequestOptions | undefined {
  if (cluster.proxyUrl) return undefined;
  if (user && (user.exec || user.authProvider || user.username || user.impersonateUser)) return undefined;
  const opts: RequestOptions = { headers: {} };
  if (cluster.skipTLSVerify) opts.rejectUnauthorized = false;
  if (cluster.tlsServerName) opts.servername = cluster.tlsServerName;
  const material = (file?: string, data?: string): Buffer | undefined => (file ? readFileSync(file) : data ? Buffer.from(data, 'base64') : undefined);
  if (user) {
    const ca = material(cluster.caFile, cluster.caData);
    if (ca) opts.ca = ca;
    const cert = material(user.certFile, user.certData);
    if (cert) opts.cert = cert;
    const key = material(user.keyFile, user.keyData);
    if (key) opts.key = key;
    if (user.token) (opts.headers as Record<string, string>).Authorization = `Bearer ${user.token}`;
  }
  return opts;
}
