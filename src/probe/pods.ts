/**
 * Debug-pod lifecycle: create, wait until Running, delete. Every pod is registered before its create
 * request is sent, so the SIGINT/SIGTERM handlers delete it (and the run's anchor Job) even when the
 * signal lands mid-create; if netx is killed outright, activeDeadlineSeconds stops the pods and the
 * anchor Job's expiry makes the cluster delete them (probe/anchor.ts); the next run's sweep and
 * `kubectl netx cleanup` are the last backstops.
 */
import { httpError, statusMessage } from '../cluster/errors.js';
import type { KubeClient } from '../cluster/client.js';
import type { ApiRequest } from '../cluster/http.js';
import type { RawObject } from '../snapshot/types.js';
import { isNetxError, UserError } from '../util/errors.js';
import { deleteJob } from './anchor.js';

interface LivePod {
  namespace: string;
  name: string;
  client: KubeClient;
  /** Settles when the create request has been answered (or failed). */
  created: Promise<unknown>;
}

const live = new Map<string, LivePod>();
/** Anchor Jobs of runs in progress, deleted after their pods on a signal. */
const anchors = new Map<string, { client: KubeClient; namespace: string; name: string }>();
let handlersInstalled = false;
let exiting = false;

const keyOf = (ns: string, name: string): string => `${ns}/${name}`;

/** Pods this process created and has not deleted yet (tests and the signal handlers read it). */
export const livePods = (): { namespace: string; name: string }[] => [...live.values()].map(({ namespace, name }) => ({ namespace, name }));

export function trackAnchor(client: KubeClient, namespace: string, name: string): void {
  installSignalHandlers();
  anchors.set(keyOf(namespace, name), { client, namespace, name });
}

/** Deletes the run's anchor Job (its pods are gone by now); a failure is a warning naming it. */
export async function dropAnchor(client: KubeClient, namespace: string, name: string): Promise<void> {
  try {
    await deleteJob(client, namespace, name);
  } catch (e) {
    if (!isNetxError(e)) throw e;
    client.warn(`could not delete the run's anchor Job ${namespace}/${name}: ${e.message}. It runs nothing and the cluster deletes it at its deadline`, `or now: \`kubectl -n ${namespace} delete job ${name}\``);
  } finally {
    anchors.delete(keyOf(namespace, name));
  }
}

/** Deletes one pod; a pod already gone is fine. Never throws on 404. */
export async function deletePod(client: KubeClient, namespace: string, name: string): Promise<void> {
  await client.raw(
    {
      method: 'DELETE',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`,
      query: { gracePeriodSeconds: 0 },
      intent: { verb: 'delete', resource: 'pods', namespace, name },
    },
    [404],
  );
}

/** Creates the pod (registered first); a Pod Security rejection becomes advice on a namespace of its own. */
export async function createPod(client: KubeClient, pod: RawObject): Promise<void> {
  const namespace = String(pod.metadata?.namespace);
  const name = String(pod.metadata?.name);
  installSignalHandlers();
  if (exiting) throw new UserError('interrupted: not creating more probe pods', { code: 'unsupported' });
  const req: ApiRequest = { method: 'POST', path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, body: pod, intent: { verb: 'create', resource: 'pods', namespace, name } };
  // 409: a retried create whose first attempt went through; the name is unique to this run, so it is ours.
  const created = client.raw(req, [403, 409]);
  live.set(keyOf(namespace, name), { namespace, name, client, created: created.catch(() => undefined) });
  let res;
  try {
    res = await created;
  } catch (e) {
    // The request may still have reached the server (a timeout after sending): delete to be sure.
    await forget(client, namespace, name);
    throw e;
  }
  if (res.status === 403) {
    live.delete(keyOf(namespace, name));
    const said = statusMessage(res.text) ?? '';
    // Pod Security admission and RBAC both answer 403 Forbidden; only the message tells them apart.
    if (/violates PodSecurity/i.test(said)) throw podSecurityRefusal(namespace, said);
    throw httpError(client.connection, req, res, 1);
  }
}

/** The commands that make a namespace for the probe pods, one a line. */
export const probeNamespaceCommands = (ns: string): string[] => [`  kubectl create namespace ${ns}`, `  kubectl label namespace ${ns} pod-security.kubernetes.io/enforce=privileged --overwrite`];

/** Where to run the probe instead when Pod Security refuses it: a namespace of its own, labelled privileged. */
function podSecurityHint(namespace: string): string {
  const own = namespace === 'netx-probe' ? 'netx-probe-2' : 'netx-probe';
  return [
    `the probe pod needs Pod Security "privileged" (host network, NET_ADMIN and NET_RAW, a read-only hostPath); rather than relaxing ${namespace}, give it a namespace of its own:`,
    ...probeNamespaceCommands(own),
    `then pass --probe-namespace ${own} (\`kubectl netx rbac --probe-namespace ${own}\` prints the Role it needs)`,
  ].join('\n');
}

function podSecurityRefusal(namespace: string, said: string): UserError {
  return new UserError(`Pod Security admission in namespace ${namespace} rejected the probe pod: ${said}`, { code: 'forbidden', hint: podSecurityHint(namespace) });
}

/**
 * Deletes and unregisters. A deletion that fails does not fail the run (its dumps are read): it
 * is a warning naming the pod and how to remove it.
 */
export async function forget(client: KubeClient, namespace: string, name: string, deadlineSeconds?: number): Promise<void> {
  try {
    await deletePod(client, namespace, name);
  } catch (e) {
    if (!isNetxError(e)) throw e;
    const stops = deadlineSeconds ? ` It stops by itself within ${deadlineSeconds} s (its activeDeadlineSeconds).` : '';
    client.warn(
      `could not delete probe pod ${namespace}/${name}: ${e.message}.${stops}`,
      `remove it with \`kubectl netx cleanup -n ${namespace}\` once its deadline has passed, or now with \`kubectl -n ${namespace} delete pod ${name}\``,
    );
  } finally {
    live.delete(keyOf(namespace, name));
  }
}

const TERMINAL_WAIT_REASONS = /ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainerConfigError|CreateContainerError|RunContainerError/;

interface PodStatus {
  phase?: string;
  reason?: string;
  message?: string;
  containerStatuses?: { imageID?: string; state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number } } }[];
}

/** A volume the kubelet could not mount (its FailedMount event): the pod will not start as made. */
export class MountFailed extends UserError {
  constructor(
    readonly volume: string,
    readonly detail: string,
  ) {
    super(detail, { code: 'not-found' });
  }
}

const POLL_FIRST_MS = 100;
const POLL_FAST_FOR_MS = 2_000;

/** How long a pod may stay in ContainerCreating before its events are read. */
const MOUNT_CHECK_AFTER_MS = 1_000;

/**
 * Polls until the pod is Running (returning the image the kubelet reports it runs); a pod that
 * cannot start fails fast with the reason the kubelet gave: an image it cannot pull, or a volume it
 * cannot mount (read from the pod's events, when they may be read).
 */
export async function waitRunning(client: KubeClient, namespace: string, name: string, timeoutMs: number, image: string): Promise<{ imageID?: string }> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let last = 'not scheduled yet';
  let eventsReadable = true;
  // Every 0.1 s while a pod usually starts (0.5–1 s on an idle node), then backing off to 2 s.
  for (let delay = POLL_FIRST_MS; ; delay = Date.now() - started < POLL_FAST_FOR_MS ? POLL_FIRST_MS : Math.min(delay * 1.5, 2_000)) {
    const pod = (await client.get('pods', name, namespace)) as RawObject & { status?: PodStatus; metadata?: { uid?: string } };
    const st = pod.status ?? {};
    if (st.phase === 'Running') {
      const imageID = st.containerStatuses?.[0]?.imageID;
      return imageID ? { imageID } : {};
    }
    const waiting = st.containerStatuses?.[0]?.state?.waiting;
    if (st.phase === 'Failed' || st.phase === 'Succeeded') {
      throw new UserError(`probe pod ${namespace}/${name} ended (${st.phase}${st.reason ? `: ${st.reason}` : ''}) before it could be used${st.message ? `: ${st.message}` : ''}`, { code: 'unsupported' });
    }
    if (waiting?.reason && TERMINAL_WAIT_REASONS.test(waiting.reason)) {
      throw new UserError(`probe pod ${namespace}/${name} cannot start: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`, {
        code: 'unsupported',
        hint: `the node must be able to pull ${image}; in an air-gapped cluster mirror it to your registry and pass --image (docs/probe.md)`,
      });
    }
    if (eventsReadable && Date.now() - started >= MOUNT_CHECK_AFTER_MS && (!waiting || waiting.reason === 'ContainerCreating')) {
      const failed = await failedMount(client, namespace, name, pod.metadata?.uid);
      if (failed === 'unreadable') eventsReadable = false;
      else if (failed) throw failed;
    }
    last = waiting?.reason ? `${st.phase ?? 'Pending'}: ${waiting.reason}` : (st.phase ?? last);
    if (Date.now() + delay > deadline) break;
    await new Promise((r) => setTimeout(r, delay));
  }
  throw new UserError(`probe pod ${namespace}/${name} was not Running after ${Math.round(timeoutMs / 1000)} s (${last})`, {
    code: 'timeout',
    hint: 'the node may be NotReady or short of resources; allow more time with --probe-timeout',
  });
}

/** The kubelet's FailedMount event for this pod, if any; 'unreadable' when events may not be read. */
async function failedMount(client: KubeClient, namespace: string, name: string, uid: string | undefined): Promise<MountFailed | 'unreadable' | undefined> {
  let events: RawObject[];
  try {
    const fieldSelector = `involvedObject.kind=Pod,involvedObject.name=${name},reason=FailedMount`;
    events = (await client.list({ resource: 'events', namespace, fieldSelector })).items;
  } catch (e) {
    if (e instanceof UserError && (e.code === 'forbidden' || e.code === 'not-found' || e.code === 'invalid-input')) return 'unreadable';
    if (isNetxError(e)) return 'unreadable';
    throw e;
  }
  for (const ev of events) {
    const involved = (ev.involvedObject as { uid?: string } | undefined)?.uid;
    if (uid && involved && involved !== uid) continue; // an earlier pod of the same name
    const message = String(ev.message ?? '');
    // The event names the volume only in its text: MountVolume.SetUp failed for volume "cni" : …
    const volume = /volume "([^"]+)"/.exec(message)?.[1];
    if (volume) return new MountFailed(volume, message);
  }
  return undefined;
}

/** Deletes every registered pod, waiting (bounded) for creates still in flight. */
async function deleteAllLive(boundMs = 10_000): Promise<void> {
  const pods = [...live.values()];
  const bound = new Promise((r) => setTimeout(r, boundMs).unref());
  const all = async (): Promise<void> => {
    await Promise.allSettled(
      pods.map(async (p) => {
        await Promise.race([p.created, bound]);
        await forget(p.client, p.namespace, p.name);
      }),
    );
    await Promise.allSettled([...anchors.values()].map((a) => dropAnchor(a.client, a.namespace, a.name)));
  };
  await Promise.race([all(), bound]);
}

/** SIGINT → exit 130, SIGTERM → exit 143, after deleting the live pods. A second signal exits at once. */
function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const on = (signal: 'SIGINT' | 'SIGTERM', code: number): void => {
    process.on(signal, () => {
      if (exiting) process.exit(code);
      exiting = true;
      if (live.size > 0) process.stderr.write(`\n${signal}: deleting ${live.size} probe pod(s)…\n`);
      void deleteAllLive().finally(() => process.exit(code));
    });
  };
  on('SIGINT', 130);
  on('SIGTERM', 143);
}
