/**
 * The probe namespace, read before any pod is created in it: it must exist, and its Pod Security
 * level decides whether a host-network pod with NET_ADMIN may run there at all.
 */
import type { KubeClient } from '../cluster/client.js';
import type { Warn } from '../cluster/notice.js';
import { PSA_ENFORCE_LABEL } from '../cluster/rbac.js';
import { NotFoundError } from '../cluster/errors.js';
import { isNetxError, UserError } from '../util/errors.js';
import { probeNamespaceCommands } from './pods.js';

/** Levels that reject the probe pod (host namespaces, hostPath, capabilities beyond the baseline set). */
const REJECTING = new Set(['baseline', 'restricted']);

/**
 * Stops the run when the namespace does not exist; says so before anything is created when its
 * enforced Pod Security level rejects the probe pod (the cluster may still exempt the namespace, so
 * the create is tried and its refusal carries the advice). Unreadable namespaces are not checked.
 */
export async function checkProbeNamespace(client: KubeClient, namespace: string, warn: Warn): Promise<void> {
  let labels: Record<string, string>;
  try {
    const ns = await client.get('namespaces', namespace);
    labels = ((ns.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {}) as Record<string, string>;
  } catch (e) {
    if (e instanceof NotFoundError && e.missing === 'object') {
      const hint = ['create it and allow privileged pods in it (the probe pod runs on the host network with NET_ADMIN):', ...probeNamespaceCommands(namespace), 'or pass --probe-namespace with a namespace that exists'];
      throw new UserError(`the probe namespace ${namespace} does not exist`, { code: 'not-found', hint: hint.join('\n') });
    }
    if (isNetxError(e)) return;
    throw e;
  }
  const level = labels[PSA_ENFORCE_LABEL];
  if (level && REJECTING.has(level)) {
    const version = labels[`${PSA_ENFORCE_LABEL}-version`];
    warn(
      `namespace ${namespace} enforces Pod Security "${level}"${version ? ` (version ${version})` : ''}: the probe pod needs "privileged" (host network, NET_ADMIN and NET_RAW, a read-only hostPath), so admission rejects it unless the cluster exempts ${namespace}`,
    );
  }
}
