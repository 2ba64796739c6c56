/**
 * kubeconfig resolution the way kubectl does it (client-node's loadFromDefault differs, see the facts
 * doc §9): with several KUBECONFIG files, the first file that sets a value wins — current-context and
 * each named cluster/user/context — and duplicate names are not an error.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { UserError } from '../util/errors.js';
import type { ClusterOptions } from './options.js';

/** The resolved connection: a client-node KubeConfig set to the chosen context, and what to call it in messages. */
export interface Connection {
  kc: KubeConfig;
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
  let kc: KubeConfig;
  let origin: string;
  if (files.length > 0) {
    kc = loadMerged(files);
    origin = files.join(path.delimiter);
  } else if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT && existsSync(`${opts.inClusterRoot ?? ''}${SERVICE_ACCOUNT_TOKEN}`)) {
    // Running in a pod without a kubeconfig: its service account, like kubectl.
    kc = new KubeConfig();
    kc.loadFromCluster(opts.inClusterRoot ?? '');
    origin = 'in-cluster service account';
  } else {
    throw new UserError('no kubeconfig found: --kubeconfig not given, $KUBECONFIG unset and ~/.kube/config missing', {
      code: 'kubeconfig',
      hint: 'point --kubeconfig at a kubeconfig file, or use --snapshot FILE to analyse a capture',
    });
  }
  return selectContext(kc, opts, origin);
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

function loadOne(file: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new UserError(`cannot load kubeconfig ${file}: ${why}`, { code: 'kubeconfig', cause: e });
  }
  // client-node accepts any YAML document; one that defines nothing is not a kubeconfig.
  if (kc.getClusters().length === 0 && kc.getContexts().length === 0 && kc.getUsers().length === 0) {
    throw new UserError(`${file} is not a kubeconfig: it defines no clusters, contexts or users`, { code: 'kubeconfig' });
  }
  return kc;
}

function firstByName<T extends { name: string }>(lists: T[][]): T[] {
  const seen = new Map<string, T>();
  for (const list of lists) for (const item of list) if (!seen.has(item.name)) seen.set(item.name, item);
  return [...seen.values()];
}

/** Merges like kubectl: the first file to define a name or current-context wins. */
export function loadMerged(files: string[]): KubeConfig {
  const loaded = files.map(loadOne);
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: firstByName<Cluster>(loaded.map((k) => k.getClusters())),
    users: firstByName<User>(loaded.map((k) => k.getUsers())),
    contexts: firstByName<Context>(loaded.map((k) => k.getContexts())),
    currentContext: loaded.map((k) => k.getCurrentContext()).find((c) => c !== undefined && c !== '') ?? '',
  });
  return merged;
}

function selectContext(kc: KubeConfig, opts: ClusterOptions, origin: string): Connection {
  const available = kc.getContexts().map((c) => c.name);
  const wanted = opts.context ?? kc.getCurrentContext();
  if (!wanted) {
    throw new UserError(`no current context in ${origin} and no --context given; available: ${available.join(', ') || '(none)'}`, {
      code: 'kubeconfig',
    });
  }
  const ctx = kc.getContextObject(wanted);
  if (!ctx) {
    throw new UserError(`context "${wanted}" not found in ${origin}; available: ${available.join(', ') || '(none)'}`, {
      code: 'kubeconfig',
    });
  }
  kc.setCurrentContext(wanted);
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster) {
    throw new UserError(`context "${wanted}" refers to cluster "${ctx.cluster}", which ${origin} does not define`, { code: 'kubeconfig' });
  }
  if (!kc.getUser(ctx.user) && ctx.user) {
    throw new UserError(`context "${wanted}" refers to user "${ctx.user}", which ${origin} does not define`, { code: 'kubeconfig' });
  }
  return {
    kc,
    contextName: wanted,
    clusterName: cluster.name,
    server: cluster.server.replace(/\/+$/, ''),
    namespace: opts.namespace ?? ctx.namespace ?? 'default',
    origin,
  };
}
