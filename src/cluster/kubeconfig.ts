/**
 * kubeconfig resolution the way kubectl does it (client-node's loadFromDefault differs, see the facts
 * doc §9): with several KUBECONFIG files, the first file that sets a value wins — current-context and
 * each named cluster/user/context — and duplicate names are not an error.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RequestOptions } from 'node:https';
import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node';
import { UserError } from '../util/errors.js';
import { clientNode, readKubeconfigFile, staticHttpsOptions, toKubeConfig, type KubeconfigEntries } from './kubeconfig-file.js';
import type { ClusterOptions } from './options.js';

/**
 * The resolved connection: a client-node KubeConfig set to the chosen context, and what to call it in
 * messages. `kc` is built on first use (client-node is slow to load, see kubeconfig-file.ts): API
 * calls go through `applyToRequest`, which needs it only for credentials netx does not apply itself.
 */
export interface Connection {
  readonly kc: KubeConfig;
  /** Sets TLS material and credentials on one request's options (as KubeConfig.applyToHTTPSOptions). */
  applyToRequest(opts: RequestOptions): Promise<void>;
  /** The cluster is reached through proxy-url (client-node's agent then). */
  proxied: boolean;
  contextName: string;
  clusterName: string;
  server: string;
  /** -n, else the context's namespace, else "default". */
  namespace: string;
  /** Where it came from, for messages: file paths or "in-cluster service account". */
  origin: string;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export function resolveConnection(opts: ClusterOptions): Connection {
  const env = opts.env ?? process.env;
  const files = kubeconfigFiles(opts.kubeconfig, env);
  if (files.length > 0) return selectContext(loadMerged(files), opts, files.join(path.delimiter));
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT && existsSync(`${opts.inClusterRoot ?? ''}${SERVICE_ACCOUNT_TOKEN}`)) {
    // Running in a pod without a kubeconfig: its service account, like kubectl (client-node reads it).
    const kc = new (clientNode().KubeConfig)();
    kc.loadFromCluster(opts.inClusterRoot ?? '');
    const entries = { clusters: kc.getClusters(), users: kc.getUsers(), contexts: kc.getContexts(), currentContext: kc.getCurrentContext() };
    return selectContext(entries, opts, 'in-cluster service account');
  }
  throw new UserError('no kubeconfig found: --kubeconfig not given, $KUBECONFIG unset and ~/.kube/config missing', {
    code: 'kubeconfig',
    hint: opts.snapshotAlternative === false ? 'point --kubeconfig at a kubeconfig file (or set KUBECONFIG)' : 'point --kubeconfig at a kubeconfig file, or use --snapshot FILE to analyse a capture',
  });
}

/** --kubeconfig alone; else $KUBECONFIG's existing entries; else ~/.kube/config when it exists. */
export function kubeconfigFiles(flag: string | undefined, env: NodeJS.ProcessEnv): string[] {
  if (flag) {
    if (!existsSync(flag)) throw new UserError(`kubeconfig ${flag} does not exist`, { code: 'kubeconfig' });
    return [flag];
  }
  if (env.KUBECONFIG) {
    // kubectl skips missing files in the list silently; a list with none that exist is an error.
    const listed = env.KUBECONFIG.split(path.delimiter).filter((f) => f !== '');
    const present = listed.filter((f) => existsSync(f));
    if (present.length === 0 && listed.length > 0) {
      throw new UserError(`none of the KUBECONFIG files exist: ${listed.join(', ')}`, { code: 'kubeconfig' });
    }
    return present;
  }
  const home = env.HOME ?? os.homedir();
  const fallback = path.join(home, '.kube', 'config');
  return existsSync(fallback) ? [fallback] : [];
}

function loadOne(file: string): KubeconfigEntries {
  let entries: KubeconfigEntries;
  try {
    entries = readKubeconfigFile(file);
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new UserError(`cannot load kubeconfig ${file}: ${why}`, { code: 'kubeconfig', cause: e });
  }
  // Any YAML mapping parses; one that defines nothing is not a kubeconfig.
  if (entries.clusters.length === 0 && entries.contexts.length === 0 && entries.users.length === 0) {
    throw new UserError(`${file} is not a kubeconfig: it defines no clusters, contexts or users`, { code: 'kubeconfig' });
  }
  return entries;
}

function firstByName<T extends { name: string }>(lists: T[][]): T[] {
  const seen = new Map<string, T>();
  for (const list of lists) for (const item of list) if (!seen.has(item.name)) seen.set(item.name, item);
  return [...seen.values()];
}

/** Merges like kubectl: the first file to define a name or current-context wins. */
export function loadMerged(files: string[]): KubeconfigEntries {
  const loaded = files.map(loadOne);
  return {
    clusters: firstByName<Cluster>(loaded.map((k) => k.clusters)),
    users: firstByName<User>(loaded.map((k) => k.users)),
    contexts: firstByName<Context>(loaded.map((k) => k.contexts)),
    currentContext: loaded.map((k) => k.currentContext).find((c) => c !== '') ?? '',
  };
}

function selectContext(entries: KubeconfigEntries, opts: ClusterOptions, origin: string): Connection {
  const available = entries.contexts.map((c) => c.name);
  const wanted = opts.context ?? entries.currentContext;
  if (!wanted) {
    throw new UserError(`no current context in ${origin} and no --context given; available: ${available.join(', ') || '(none)'}`, {
      code: 'kubeconfig',
    });
  }
  const ctx = entries.contexts.find((c) => c.name === wanted);
  if (!ctx) {
    throw new UserError(`context "${wanted}" not found in ${origin}; available: ${available.join(', ') || '(none)'}`, {
      code: 'kubeconfig',
    });
  }
  const cluster = entries.clusters.find((c) => c.name === ctx.cluster);
  if (!cluster) {
    throw new UserError(`context "${wanted}" refers to cluster "${ctx.cluster}", which ${origin} does not define`, { code: 'kubeconfig' });
  }
  const user = entries.users.find((u) => u.name === ctx.user);
  if (!user && ctx.user) {
    throw new UserError(`context "${wanted}" refers to user "${ctx.user}", which ${origin} does not define`, { code: 'kubeconfig' });
  }
  let kc: KubeConfig | undefined;
  const kubeConfig = (): KubeConfig => (kc ??= toKubeConfig(entries, wanted));
  return {
    get kc() {
      return kubeConfig();
    },
    async applyToRequest(req: RequestOptions): Promise<void> {
      const own = staticHttpsOptions(cluster, user);
      if (!own) return kubeConfig().applyToHTTPSOptions(req);
      const { headers, ...tls } = own;
      Object.assign(req, tls);
      req.headers = { ...(req.headers as Record<string, string>), ...(headers as Record<string, string>) };
    },
    proxied: !!cluster.proxyUrl,
    contextName: wanted,
    clusterName: cluster.name,
    server: cluster.server.replace(/\/+$/, ''),
    namespace: opts.namespace ?? ctx.namespace ?? 'default',
    origin,
  };
}
