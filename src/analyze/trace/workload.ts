/**
 * A workload as SRC (`deploy/web`, `sts/db`, `ds/agent`, `rs/web-7c9d`, `job/migrate`): one of its
 * pods, chosen as `kubectl exec deploy/web` chooses (kubectl's GetFirstPod with
 * sort.Reverse(podutils.ActivePods)): a scheduled pod before an unscheduled one, Running before
 * Unknown before Pending, ready before not ready, ready the longest, fewest restarts, oldest; then by
 * name, so the choice is the same on every run.
 *
 * The workload's pods are found through the pods' own controller references, so no workload object
 * has to be read: a StatefulSet, DaemonSet, ReplicaSet or Job owns its pods directly; a Deployment
 * owns them through ReplicaSets named `<deployment>-<pod-template-hash>` (the name the Deployment
 * controller gives them, the hash also being the pods' `pod-template-hash` label).
 */
import type { Snapshot } from '../../snapshot/types.js';
import { UserError } from '../../util/errors.js';
import { didYouMean } from './suggest.js';
import { objectsOf, type V1Pod } from './views.js';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Job';

const KINDS: Record<string, WorkloadKind> = {
  deploy: 'Deployment',
  deployment: 'Deployment',
  deployments: 'Deployment',
  sts: 'StatefulSet',
  statefulset: 'StatefulSet',
  statefulsets: 'StatefulSet',
  ds: 'DaemonSet',
  daemonset: 'DaemonSet',
  daemonsets: 'DaemonSet',
  rs: 'ReplicaSet',
  replicaset: 'ReplicaSet',
  replicasets: 'ReplicaSet',
  job: 'Job',
  jobs: 'Job',
};

export interface WorkloadChoice {
  kind: WorkloadKind;
  /** `deployment/web`, as kubectl names it. */
  workload: string;
  namespace: string;
  pod: V1Pod;
  /** How many pods the workload has. */
  candidates: number;
}

/** `deploy/NAME` (or `deploy/NS/NAME`) → its kind, namespace and name; undefined when SPEC names no workload. */
export function parseWorkloadRef(spec: string, namespace: string): { kind: WorkloadKind; namespace: string; name: string } | undefined {
  const m = /^([a-z]+)\/(.+)$/.exec(spec);
  const kind = m ? KINDS[m[1]!] : undefined;
  if (!m || !kind) return undefined;
  const parts = m[2]!.split('/');
  return parts.length >= 2 ? { kind, namespace: parts[0]!, name: parts.slice(1).join('/') } : { kind, namespace, name: m[2]! };
}

const controllerOf = (p: V1Pod) => (p.metadata?.ownerReferences ?? []).find((o) => o.controller) ?? p.metadata?.ownerReferences?.[0];

/** The workload that owns `pod` (Deployment through its ReplicaSet), as `Kind` and name. */
export function ownerWorkload(pod: V1Pod): { kind: WorkloadKind; name: string } | undefined {
  const owner = controllerOf(pod);
  if (!owner) return undefined;
  if (owner.kind === 'ReplicaSet') {
    const hash = pod.metadata?.labels?.['pod-template-hash'];
    if (hash && owner.name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
    return { kind: 'ReplicaSet', name: owner.name };
  }
  return Object.values(KINDS).includes(owner.kind as WorkloadKind) ? { kind: owner.kind as WorkloadKind, name: owner.name } : undefined;
}

function ownedBy(pod: V1Pod, kind: WorkloadKind, name: string): boolean {
  const owner = controllerOf(pod);
  if (!owner) return false;
  if (kind === 'ReplicaSet') return owner.kind === 'ReplicaSet' && owner.name === name;
  const w = ownerWorkload(pod);
  return w !== undefined && w.kind === kind && w.name === name;
}

/** The pod kubectl exec would pick for a workload SRC; undefined when SPEC is no workload reference. */
export function pickWorkloadPod(snapshot: Snapshot, spec: string, namespace: string): WorkloadChoice | undefined {
  const ref = parseWorkloadRef(spec, namespace);
  return ref ? workloadPod(snapshot, ref) : undefined;
}

/** The pod `kubectl exec` would pick among the workload's; a workload without pods is an error naming it. */
export function workloadPod(snapshot: Snapshot, ref: { kind: WorkloadKind; namespace: string; name: string }): WorkloadChoice {
  const inNs = objectsOf(snapshot, 'pods').filter((p) => p.metadata?.namespace === ref.namespace);
  const pods = inNs.filter((p) => ownedBy(p, ref.kind, ref.name));
  const workload = `${ref.kind.toLowerCase()}/${ref.name}`;
  if (pods.length === 0) {
    const known = [...new Set(inNs.map(ownerWorkload).filter((w) => w?.kind === ref.kind).map((w) => w!.name))];
    const hint = didYouMean(ref.name, known) ?? `kubectl -n ${ref.namespace} get ${ref.kind.toLowerCase()}s; netx finds a workload's pods by their owner references`;
    throw new UserError(`no pods of ${workload} in namespace ${ref.namespace}`, { code: 'not-found', hint });
  }
  const [pod] = [...pods].sort(byExecPreference);
  return { kind: ref.kind, workload, namespace: ref.namespace, pod: pod!, candidates: pods.length };
}

const PHASE_RANK: Record<string, number> = { Running: 0, Unknown: 1 };
const isReady = (p: V1Pod): boolean => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const readySince = (p: V1Pod): number => time((p.status?.conditions ?? []).find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime);
const restarts = (p: V1Pod): number => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
/** Milliseconds since the epoch; 0 (kubectl's zero time) when unknown. */
function time(t: Date | string | undefined): number {
  if (t === undefined) return 0;
  const ms = new Date(t).getTime();
  return Number.isNaN(ms) ? 0 : ms;
}
/** Earlier first, a zero time last (kubectl: "empty time" is the least preferred). */
const earlierFirst = (a: number, b: number): number => (a === b ? 0 : a === 0 ? 1 : b === 0 ? -1 : a - b);

/** Negative when `a` is the better pod to exec into. */
export function byExecPreference(a: V1Pod, b: V1Pod): number {
  const assigned = (p: V1Pod): number => (p.spec?.nodeName ? 0 : 1);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  // kubectl ranks Pending 0, Unknown 1, Running 2 and reverses; any other phase counts as Pending.
  const phase = (p: V1Pod): number => PHASE_RANK[p.status?.phase ?? ''] ?? 2;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  if (isReady(a) !== isReady(b)) return isReady(a) ? -1 : 1;
  if (isReady(a) && readySince(a) !== readySince(b)) return earlierFirst(readySince(a), readySince(b));
  if (restarts(a) !== restarts(b)) return restarts(a) - restarts(b);
  const created = (p: V1Pod): number => time(p.metadata?.creationTimestamp);
  if (created(a) !== created(b)) return earlierFirst(created(a), created(b));
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** What the CLI says about the choice, like `kubectl logs deploy/x` does ("Found 3 pods, using pod/…"). */
export function describeChoice(c: WorkloadChoice): string {
  const name = c.pod.metadata?.name ?? '';
  if (c.candidates === 1) return `${c.workload} has one pod: using pod/${name}`;
  return `Found ${c.candidates} pods of ${c.workload}, using pod/${name} (the one kubectl exec ${c.workload} would pick: scheduled, running, ready the longest)`;
}
