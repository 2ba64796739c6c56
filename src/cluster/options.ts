/** How to reach the cluster, from the global flags (kubectl's spelling) and the environment. */

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
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Each attempt gives up after this long even when the overall bound is larger (or 0). */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 5_000, attemptTimeoutMs: 60_000 };

export function clusterOptionsFromFlags(flags: {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  requestTimeoutMs: number;
}): ClusterOptions {
  return {
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    namespace: flags.namespace,
    requestTimeoutMs: flags.requestTimeoutMs,
  };
}
