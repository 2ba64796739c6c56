import { describe, expect, it } from 'vitest';
import { PROBE_SELECTOR, probePodName, probePodSpec } from '../../src/probe/debug-pod.js';
import { defaultProbeOptions, DEFAULT_PROBE_IMAGE } from '../../src/probe/options.js';
import { exitCodeOf } from '../../src/probe/pod-exec.js';

const now = new Date('2026-11-22T12:00:00Z');
type Spec = { spec: Record<string, unknown> & { containers: Record<string, unknown>[]; volumes: Record<string, unknown>[] }; metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> } };
const spec = (o: Parameters<typeof defaultProbeOptions>[0] = {}): Spec => probePodSpec('kind-worker', defaultProbeOptions({ runId: 'ab12cd34', ...o }), now) as unknown as Spec;

describe('debug pod manifest', () => {
  it('is pinned, on the host network, tolerating every taint, without a token, bounded in time and memory', () => {
    const p = spec();
    expect(p.metadata).toEqual({
      name: 'netx-probe-kind-worker-ab12cd34',
      namespace: 'kube-system',
      labels: { 'app.kubernetes.io/managed-by': 'kubectl-netx', 'app.kubernetes.io/component': 'node-probe', 'kubectl-netx/run-id': 'ab12cd34' },
      annotations: { 'kubectl-netx/created-at': '2026-11-22T12:00:00.000Z', 'kubectl-netx/node': 'kind-worker' },
    });
    expect(p.spec).toMatchObject({ nodeName: 'kind-worker', hostNetwork: true, restartPolicy: 'Never', tolerations: [{ operator: 'Exists' }], automountServiceAccountToken: false, activeDeadlineSeconds: 600 });
    expect(p.spec.hostPID).toBeUndefined();
    const c = p.spec.containers[0]!;
    expect(c.image).toBe(DEFAULT_PROBE_IMAGE);
    expect(DEFAULT_PROBE_IMAGE).toMatch(/^nicolaka\/netshoot:v\d+\.\d+$/);
    // Every capability dropped before the two the listings need; the runtime's default seccomp profile.
    expect(c.securityContext).toEqual({ privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] } });
    expect(p.spec.securityContext).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.resources).toMatchObject({ limits: { memory: '512Mi' } });
    expect(c.volumeMounts).toEqual([{ name: 'cni', mountPath: '/etc/cni/net.d', readOnly: true }]);
    expect(p.spec.volumes).toEqual([{ name: 'cni', hostPath: { path: '/etc/cni/net.d', type: 'Directory' } }]);
    expect(PROBE_SELECTOR.split(',')).toEqual(Object.entries(p.metadata.labels).slice(0, 2).map(([k, v]) => `${k}=${v}`));
  });

  it('is privileged only when asked; --host-binaries adds hostPID and / read-only at /host', () => {
    expect(spec({ privileged: true }).spec.containers[0]!.securityContext).toEqual({ privileged: true, readOnlyRootFilesystem: true });
    const h = spec({ hostBinaries: true });
    expect(h.spec.hostPID).toBe(true);
    expect(h.spec.containers[0]!.securityContext).toMatchObject({ privileged: true });
    expect(h.spec.containers[0]!.volumeMounts).toContainEqual({ name: 'host-root', mountPath: '/host', readOnly: true });
  });

  it('mounts the CNI directory only with type Directory (never created), and not at all where the node has none', () => {
    const without = probePodSpec('kind-worker', defaultProbeOptions({ runId: 'ab12cd34' }), now, { mountCni: false }) as unknown as Spec;
    expect(without.spec.volumes).toEqual([]);
    expect(without.spec.containers[0]!.volumeMounts).toEqual([]);
    for (const v of [...spec().spec.volumes, ...spec({ hostBinaries: true }).spec.volumes]) expect((v.hostPath as { type: string }).type).toBe('Directory');
  });

  it('is owned by the run\'s anchor Job when there is one (not as a controller: the Job must not adopt it)', () => {
    const owner = { apiVersion: 'batch/v1', kind: 'Job', name: 'netx-probe-run-ab12cd34', uid: 'u-1' };
    const p = probePodSpec('kind-worker', defaultProbeOptions({ runId: 'ab12cd34' }), now, { mountCni: true, owner }) as unknown as Spec & { metadata: { ownerReferences: unknown[] } };
    expect(p.metadata.ownerReferences).toEqual([owner]);
  });

  it('names are valid DNS labels for any node name', () => {
    for (const node of ['ip-10-0-1-23.eu-west-1.compute.internal', 'A_B', 'x'.repeat(80), '---']) {
      const name = probePodName(node, 'ab12cd34');
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(name.endsWith('-ab12cd34')).toBe(true);
    }
  });
});

describe('exec status', () => {
  it('reads the exit code from NonZeroExitCode causes; a command that cannot start is 127/126', () => {
    expect(exitCodeOf({ status: 'Success' })).toEqual({ exitCode: 0 });
    expect(exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '2' }] } })).toEqual({ exitCode: 2 });
    expect(exitCodeOf({ status: 'Failure', message: 'exec: "ipvsadm": executable file not found in $PATH' }).exitCode).toBe(127);
    expect(exitCodeOf({ status: 'Failure', message: 'permission denied' }).exitCode).toBe(126);
    expect(exitCodeOf(undefined)).toMatchObject({ exitCode: 1, message: expect.stringMatching(/without an exit status/) });
  });
});
