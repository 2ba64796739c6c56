/**
 * Debug-pod lifecycle: create, wait until Running, delete. Every pod is registered before its create
 * request is sent, so the SIGINT/SIGTERM handlers delete it even when the signal lands mid-create;
 * activeDeadlineSeconds and `kubectl netx cleanup` are the backstops if netx is killed outright.
 */
import { httpError, statusMessage } from '../cluster/errors.js';
import type { KubeClient } from '../cluster/client.js';
import type { ApiRequest } from '../cluster/http.js';
import type { RawObject } from '../snapshot/types.js';
import { UserError } from '../util/errors.js';

interface LivePod {
  namespace: string;
  name: string;
  client: KubeClient;
  /** Settles when the create request has been answered (or failed). */
  created: Promise<unknown>;
}

const live = new Map<string, LivePod>();
let handlersInstalled = false;
let exiting = false;

const keyOf = (ns: string, name: string): string => `${ns}/${name}`;

/** Pods this process created and has not deleted yet (tests and the signal handlers read it). */
export const livePods = (): { namespace: string; name: string }[] => [...live.values()].map(({ namespace, name }) => ({ namespace, name }));

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

/** Creates the pod (registered first); a Pod Security rejection becomes advice on the namespace label. */
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
    if (/PodSecurity/i.test(said)) {
      throw new UserError(`Pod Security admission in namespace ${namespace} rejected the probe pod: ${said}`, {
        code: 'forbidden',
        hint: `pick a namespace that allows host-network pods with --namespace-for-probe, or label this one: kubectl label namespace ${namespace} pod-security.kubernetes.io/enforce=privileged`,
      });
    }
    throw httpError(client.connection, req, res, 1);
  }
}

/** Deletes and unregisters; deletion errors are reported to the caller. */
export async function forget(client: KubeClient, namespace: string, name: string): Promise<void> {
  try {
    await deletePod(client, namespace, name);
  } finally {
    live.delete(keyOf(namespace, name));
  }
}

const TERMINAL_WAIT_REASONS = /ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainerConfigError|CreateContainerError|RunContainerError/;

interface PodStatus {
  phase?: string;
  reason?: string;
  message?: string;
  containerStatuses?: { state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number } } }[];
}

/** Polls until the pod is Running; a pod that cannot start fails fast with the reason the kubelet gave. */
export async function waitRunning(client: KubeClient, namespace: string, name: string, timeoutMs: number, image: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not scheduled yet';
  for (let delay = 200; ; delay = Math.min(delay * 1.5, 2_000)) {
    const pod = (await client.get('pods', name, namespace)) as RawObject & { status?: PodStatus };
    const st = pod.status ?? {};
    if (st.phase === 'Running') return;
    const waiting = st.containerStatuses?.[0]?.state?.waiting;
    if (st.phase === 'Failed' || st.phase === 'Succeeded') {
      throw new UserError(`probe pod ${namespace}/${name} ended (${st.phase}${st.reason ? `: ${st.reason}` : ''}) before it could be used${st.message ? `: ${st.message}` : ''}`, { code: 'unsupported' });
    }
    if (waiting?.reason && TERMINAL_WAIT_REASONS.test(waiting.reason)) {
      throw new UserError(`probe pod ${namespace}/${name} cannot start: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`, {
        code: 'unsupported',
        hint: `the node must be able to pull ${image}; in an air-gapped cluster mirror it to your registry and pass --image`,
      });
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

/** Deletes every registered pod, waiting (bounded) for creates still in flight. */
export async function deleteAllLive(boundMs = 10_000): Promise<void> {
  const pods = [...live.values()];
  const bound = new Promise((r) => setTimeout(r, boundMs).unref());
  await Promise.race([
    Promise.allSettled(
      pods.map(async (p) => {
        await Promise.race([p.created, bound]);
        await forget(p.client, p.namespace, p.name);
      }),
    ),
    bound,
  ]);
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
