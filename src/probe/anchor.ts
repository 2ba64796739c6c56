/**
 * The run's anchor: a Job that owns every probe pod of one run, so that the cluster removes them
 * even when netx is killed outright (SIGKILL, a closed laptop) and never gets to delete them.
 *
 * Why a Job that runs nothing: a pod's activeDeadlineSeconds makes the kubelet stop it, but the
 * stopped pod stays as a Failed object (the pod garbage collector only acts past
 * --terminated-pod-gc-threshold, 12,500 pods by default). The anchor has `parallelism: 0` (it
 * creates no pod, so Pod Security and image pulls never apply to it) and the pods' deadline as its
 * own activeDeadlineSeconds: the Job controller fails it then (DeadlineExceeded), the TTL-after-
 * finished controller deletes it (ttlSecondsAfterFinished: 0), and the garbage collector deletes
 * the pods that name it as owner. The probe pods stay bare pods created by netx, so a Pod
 * Security or quota refusal still answers netx's own create request, with its reason.
 *
 * RBAC: create, delete (and get, list for the sweep and `cleanup`) on jobs.batch in the probe
 * namespace. The owner reference has no blockOwnerDeletion, so the OwnerReferencesPermission-
 * Enforcement admission plugin asks nothing more. Without the permission the run goes on, with a
 * warning: its pods then depend on netx, the next run's sweep or `kubectl netx cleanup`.
 */
import type { KubeClient } from '../cluster/client.js';
import type { Warn } from '../cluster/notice.js';
import type { RawObject } from '../snapshot/types.js';
import { isNetxError, UserError } from '../util/errors.js';
import { CREATED_AT_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, RUN_ID_LABEL, type OwnerRef } from './debug-pod.js';
import type { ProbeOptions } from './options.js';

export const ANCHOR_COMPONENT = 'probe-anchor';
/** Selects every anchor Job netx made (the sweep and `cleanup`). */
export const ANCHOR_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY},app.kubernetes.io/component=${ANCHOR_COMPONENT}`;

export const anchorName = (runId: string): string => `netx-probe-run-${runId}`;

const jobsPath = (namespace: string, name?: string): string => `/apis/batch/v1/namespaces/${encodeURIComponent(namespace)}/jobs${name ? `/${encodeURIComponent(name)}` : ''}`;

/** The anchor Job for one run. Its pod template never runs (parallelism 0); it is as restricted as Pod Security knows. */
export function anchorJobSpec(opts: ProbeOptions, now: Date): RawObject {
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY, 'app.kubernetes.io/component': ANCHOR_COMPONENT, [RUN_ID_LABEL]: opts.runId };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: anchorName(opts.runId), namespace: opts.namespace, labels, annotations: { [CREATED_AT_ANNOTATION]: now.toISOString() } },
    spec: {
      parallelism: 0,
      backoffLimit: 0,
      activeDeadlineSeconds: opts.activeDeadlineSeconds,
      ttlSecondsAfterFinished: 0,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{ name: 'anchor', image: opts.image, command: ['true'], securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
        },
      },
    },
  };
}

/** Creates the anchor; undefined (with a warning) when the cluster refuses it: the run goes on without. */
export async function createAnchor(client: KubeClient, opts: ProbeOptions, now: Date, warn: Warn): Promise<OwnerRef | undefined> {
  const job = anchorJobSpec(opts, now);
  const name = anchorName(opts.runId);
  try {
    const res = await client.json<RawObject>({
      method: 'POST',
      path: jobsPath(opts.namespace),
      body: job,
      intent: { verb: 'create', resource: 'jobs', namespace: opts.namespace, name },
    });
    const uid = res.body.metadata?.uid;
    if (typeof uid !== 'string' || uid === '') throw new UserError(`the API server returned Job ${opts.namespace}/${name} without a uid`, { code: 'unsupported' });
    return { apiVersion: 'batch/v1', kind: 'Job', name, uid };
  } catch (e) {
    if (!isNetxError(e)) throw e;
    warn(
      `could not create the run's anchor Job ${opts.namespace}/${name} (${e.message}): if netx is killed now, its probe pods stop at their deadline (${opts.activeDeadlineSeconds} s) but stay until \`kubectl netx cleanup\` or the next run removes them`,
      e instanceof UserError && e.code === 'forbidden' ? `grant create, delete on jobs.batch in namespace ${opts.namespace}: \`kubectl netx rbac --probe-namespace ${opts.namespace}\`` : undefined,
    );
    return undefined;
  }
}

/** Deletes a Job (its pods too, if any are left); 404 is fine. */
export async function deleteJob(client: KubeClient, namespace: string, name: string): Promise<void> {
  await client.raw(
    {
      method: 'DELETE',
      path: jobsPath(namespace, name),
      query: { propagationPolicy: 'Background' },
      intent: { verb: 'delete', resource: 'jobs', namespace, name },
    },
    [404],
  );
}
