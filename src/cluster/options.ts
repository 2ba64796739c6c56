/** How to reach the cluster, from the global flags (kubectl's spelling) and the environment. */
import type { Warn } from './notice.js';

export interface ClusterOptions {
  /** --kubeconfig; else $KUBECONFIG (several files merged like kubectl), ~/.kube/config, in-cluster. */
  kubeconfig?: string;
  /** --context; default: the kubeconfig's current-context. */
  context?: string;
  /** -n; default: the context's namespace, else "default". */
  namespace?: string;
  /** Bound for one API call including its retries; 0 = no overall bound (each attempt still times out). */
  requestTimeoutMs: number;
  /** Environment to read KUBECONFIG/HOME/in-cluster variables from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** Where the service-account files live for the in-cluster fallback ('' = /); tests point it elsewhere. */
  inClusterRoot?: string;
  /** Retry tuning; tests shorten it. */
  retry?: Partial<RetryPolicy>;
  /** Where warnings go while the run goes on (default: stderr). */
  warn?: Warn;
  /**
   * Run the dry-run Service create that makes the API server name its service range. Off unless
   * asked (--service-cidr-dry-run): RBAC cannot limit `create services` to dry runs, so granting it
   * grants real creates; ServiceCIDR objects, the apiserver's flags and kubeadm-config answer read-only.
   */
  serviceCidrDryRun?: boolean;
  /** Whether the command can read a snapshot instead (the "no kubeconfig" hint then offers --snapshot). */
  snapshotAlternative?: boolean;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Each attempt gives up after this long even when the overall bound is larger (or 0). */
  attemptTimeoutMs: number;
  /**
   * Longest Retry-After netx honours. kube-apiserver's own throttling (APF, max-in-flight) asks for
   * 1 s; a proxy or a misbehaving server may ask for an hour, which with --request-timeout 0 would be
   * an hour of silence. Longer requests are cut to this and said on stderr.
   */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 5_000, attemptTimeoutMs: 60_000, maxRetryAfterMs: 10_000 };

export function clusterOptionsFromFlags(flags: {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  requestTimeoutMs: number;
  'service-cidr-dry-run'?: boolean;
}): ClusterOptions {
  return {
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    namespace: flags.namespace,
    requestTimeoutMs: flags.requestTimeoutMs,
    ...(flags['service-cidr-dry-run'] ? { serviceCidrDryRun: true } : {}),
  };
}
