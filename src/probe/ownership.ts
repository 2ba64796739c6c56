/**
 * Is this pod (or Job) one netx made? Labels alone can be put on anything, and `cleanup` and the
 * sweep delete what they find: before deleting, the object must also have the exact shape netx gives
 * it (probe/debug-pod.ts, probe/anchor.ts). Pure.
 */
import type { RawObject } from '../snapshot/types.js';
import { ANCHOR_COMPONENT, anchorName } from './anchor.js';
import { CNI_DIR } from './catalogue.js';
import { CNI_VOLUME, COMPONENT, COMPONENT_LABEL, CONTAINER, HOST_ROOT_VOLUME, MANAGED_BY, MANAGED_BY_LABEL, NODE_ANNOTATION, probePodName, RUN_ID_LABEL } from './debug-pod.js';

export type Origin = { ours: true } | { ours: false; reason: string };

const no = (reason: string): Origin => ({ ours: false, reason });
/** Run ids are short lower-case labels (newRunId: 8 hex digits). */
const RUN_ID = /^[a-z0-9]{1,16}$/;
const OURS: Origin = { ours: true };

interface PodView {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind?: string; name?: string }[] };
  spec?: {
    nodeName?: string;
    hostNetwork?: boolean;
    restartPolicy?: string;
    activeDeadlineSeconds?: number;
    automountServiceAccountToken?: boolean;
    containers?: { name?: string; command?: string[]; args?: string[] }[];
    initContainers?: unknown[];
    ephemeralContainers?: unknown[];
    volumes?: { name?: string; hostPath?: { path?: string } }[];
  };
}

/** The volumes netx mounts, by name: the node's CNI directory, and its / for --host-binaries. */
const NETX_VOLUMES: Record<string, string> = { [CNI_VOLUME]: CNI_DIR, [HOST_ROOT_VOLUME]: '/' };

/** Whether `raw` is a probe pod netx made, and if not, the first difference found. */
export function probePodOrigin(raw: RawObject): Origin {
  const p = raw as PodView;
  const labels = p.metadata?.labels ?? {};
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY || labels[COMPONENT_LABEL] !== COMPONENT) return no('it lacks the netx probe labels');
  const runId = labels[RUN_ID_LABEL] ?? '';
  if (!RUN_ID.test(runId)) return no(`its ${RUN_ID_LABEL} label "${runId}" is not a netx run id`);
  const node = p.spec?.nodeName ?? '';
  if (node === '' || p.metadata?.annotations?.[NODE_ANNOTATION] !== node) return no('it is not pinned to the node its annotation names');
  if (p.metadata?.name !== probePodName(node, runId)) return no(`its name is not netx's name for a probe of node ${node}`);
  const spec = p.spec ?? {};
  if (spec.hostNetwork !== true || spec.restartPolicy !== 'Never' || spec.automountServiceAccountToken !== false) return no('its spec is not a netx probe pod (host network, no restarts, no service-account token)');
  if ((spec.initContainers?.length ?? 0) > 0 || (spec.ephemeralContainers?.length ?? 0) > 0) return no('it has init or ephemeral containers');
  const containers = spec.containers ?? [];
  const c = containers[0];
  const deadline = spec.activeDeadlineSeconds;
  if (containers.length !== 1 || c?.name !== CONTAINER) return no(`it runs other containers than netx's one "${CONTAINER}"`);
  if (c.args?.length || deadline === undefined || JSON.stringify(c.command) !== JSON.stringify(['sleep', String(deadline)])) {
    return no(`its container runs \`${[...(c.command ?? []), ...(c.args ?? [])].join(' ')}\`, not netx's \`sleep ${deadline ?? 'N'}\``);
  }
  for (const v of spec.volumes ?? []) {
    if (!v.name || NETX_VOLUMES[v.name] === undefined || v.hostPath?.path !== NETX_VOLUMES[v.name]) return no(`it mounts a volume netx never mounts ("${v.name ?? ''}")`);
  }
  const owners = p.metadata?.ownerReferences ?? [];
  if (owners.some((o) => o.kind !== 'Job' || o.name !== anchorName(runId))) return no("it has an owner other than its run's anchor Job");
  return OURS;
}

interface JobView {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { parallelism?: number; activeDeadlineSeconds?: number };
}

/** Whether `raw` is an anchor Job netx made (it runs nothing: parallelism 0). */
export function anchorJobOrigin(raw: RawObject): Origin {
  const j = raw as JobView;
  const labels = j.metadata?.labels ?? {};
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY || labels[COMPONENT_LABEL] !== ANCHOR_COMPONENT) return no('it lacks the netx anchor labels');
  const runId = labels[RUN_ID_LABEL] ?? '';
  if (j.metadata?.name !== anchorName(runId) || !RUN_ID.test(runId)) return no("its name is not netx's anchor name for its run");
  if (j.spec?.parallelism !== 0 || j.spec.activeDeadlineSeconds === undefined) return no('it is a Job that runs pods (netx anchors run none)');
  return OURS;
}
