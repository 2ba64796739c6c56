/**
 * The debug pod's manifest: one per node, pinned with nodeName, on the host network, tolerating every
 * taint, with the least privilege that still reads netfilter state (every capability dropped but
 * NET_ADMIN and NET_RAW, the runtime's default seccomp profile), no service-account token, the CNI
 * directory mounted read-only, labelled for cleanup, bounded by activeDeadlineSeconds and owned by
 * the run's anchor Job (probe/anchor.ts) so that the cluster deletes it even when netx is killed.
 */
import type { RawObject } from '../snapshot/types.js';
import { CNI_DIR, HOST_ROOT } from './catalogue.js';
import type { ProbeOptions } from './options.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'kubectl-netx';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const COMPONENT = 'node-probe';
export const RUN_ID_LABEL = 'kubectl-netx/run-id';
export const CREATED_AT_ANNOTATION = 'kubectl-netx/created-at';
export const NODE_ANNOTATION = 'kubectl-netx/node';
export const CONTAINER = 'probe';
/** The CNI directory's volume; its name appears in the kubelet's FailedMount events. */
export const CNI_VOLUME = 'cni';
export const HOST_ROOT_VOLUME = 'host-root';
/** Selects every netx probe pod (cleanup). */
export const PROBE_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY},${COMPONENT_LABEL}=${COMPONENT}`;
/** Memory bound of the probe container: iptables-save of 10k services needs about 0.2 GB. */
const PROBE_MEMORY_LIMIT = '512Mi';
/** What the container may do: read netfilter, conntrack and IPVS state (NET_ADMIN), raw sockets for legacy iptables (NET_RAW). */
const PROBE_CAPABILITIES = ['NET_ADMIN', 'NET_RAW'];

/** `netx-probe-<node>-<run>`: a valid DNS-1123 label (≤ 63 chars) for any node name. */
export function probePodName(node: string, runId: string): string {
  const safe = node.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  const room = 63 - 'netx-probe--'.length - runId.length;
  return `netx-probe-${safe.slice(0, room).replace(/-+$/, '') || 'node'}-${runId}`;
}

/** An owner the garbage collector follows (not a controller: the Job must not adopt or count the pod). */
export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export interface ProbePodShape {
  /**
   * Mount the node's CNI directory. `type: Directory` makes the kubelet check that it exists and
   * never create it; a node without it gets a pod without the mount (collect-nodes.ts).
   */
  mountCni: boolean;
  owner?: OwnerRef;
}

/** The Pod object to create for `node`; `now` is the creation time written into the annotation. */
export function probePodSpec(node: string, opts: ProbeOptions, now: Date, shape: ProbePodShape = { mountCni: true }): RawObject {
  const privileged = opts.privileged || opts.hostBinaries;
  const mounts: Record<string, unknown>[] = [];
  const volumes: Record<string, unknown>[] = [];
  if (shape.mountCni) {
    mounts.push({ name: CNI_VOLUME, mountPath: CNI_DIR, readOnly: true });
    volumes.push({ name: CNI_VOLUME, hostPath: { path: CNI_DIR, type: 'Directory' } });
  }
  if (opts.hostBinaries) {
    mounts.push({ name: HOST_ROOT_VOLUME, mountPath: HOST_ROOT, readOnly: true });
    volumes.push({ name: HOST_ROOT_VOLUME, hostPath: { path: '/', type: 'Directory' } });
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: probePodName(node, opts.runId),
      namespace: opts.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [COMPONENT_LABEL]: COMPONENT, [RUN_ID_LABEL]: opts.runId },
      annotations: { [CREATED_AT_ANNOTATION]: now.toISOString(), [NODE_ANNOTATION]: node },
      ...(shape.owner ? { ownerReferences: [shape.owner] } : {}),
    },
    spec: {
      nodeName: node,
      hostNetwork: true,
      ...(opts.hostBinaries ? { hostPID: true } : {}),
      dnsPolicy: 'ClusterFirstWithHostNet',
      restartPolicy: 'Never',
      activeDeadlineSeconds: opts.activeDeadlineSeconds,
      terminationGracePeriodSeconds: 0,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      tolerations: [{ operator: 'Exists' }],
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: CONTAINER,
          image: opts.image,
          imagePullPolicy: 'IfNotPresent',
          // Idles until netx deletes it; never outlives the deadline.
          command: ['sleep', String(opts.activeDeadlineSeconds)],
          securityContext: privileged
            ? { privileged: true, readOnlyRootFilesystem: true }
            : { privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: [...PROBE_CAPABILITIES] } },
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: PROBE_MEMORY_LIMIT } },
          volumeMounts: mounts,
        },
      ],
      volumes,
    },
  };
}
