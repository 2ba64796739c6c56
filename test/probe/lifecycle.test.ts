/**
 * The probe's life in the cluster, through the test API server: the probe namespace is read before
 * anything is made in it, leftovers of killed runs are swept, pods are owned by the run's anchor Job,
 * failures say why on stderr, a node without /etc/cni/net.d is still probed (and nothing is created
 * on it), captured CNI files lose their credentials.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/cluster/client.js';
import { collectWith } from '../../src/cli/collect.js';
import { silentProgress } from '../../src/util/progress.js';
import { anchorName } from '../../src/probe/anchor.js';
import { probePodSpec } from '../../src/probe/debug-pod.js';
import { defaultProbeOptions, isImageReference, type ProbeOptions } from '../../src/probe/options.js';
import { probeOptionsFromFlags } from '../../src/cli/probe-flags.js';
import { livePods } from '../../src/probe/pods.js';
import type { CollectPlan } from '../../src/snapshot/plan.js';
import { parseSnapshot, serializeSnapshot } from '../../src/snapshot/io.js';
import type { RawObject } from '../../src/snapshot/types.js';
import { UserError } from '../../src/util/errors.js';
import { sampleObjects } from '../support/api-server/fixture.js';
import { servePods, TestApiServer, type PodsOptions } from '../support/api-server/index.js';
import { corpusPath, REPO_ROOT } from '../support/corpus.js';
import { fakeNodeBackend, probeTestBed } from './fake-node.js';

const { dir, bin: fakeBin, servers } = probeTestBed('netx-lifecycle-');

const PLAN: CollectPlan = { resources: [{ resource: 'nodes' }], nodes: { names: 'all', dumps: ['addr'] } };
const NOW = new Date('2026-11-22T12:00:00Z');

interface Setup {
  objects?: Record<string, RawObject[]>;
  pods?: PodsOptions;
  mounts?: Record<string, string>;
}

async function setup(s: Setup = {}) {
  const server = await TestApiServer.start({ objects: s.objects ?? sampleObjects() });
  servers.push(server);
  const ctl = servePods(server, { exec: fakeNodeBackend(fakeBin(), { mounts: s.mounts }), ...s.pods });
  const warnings: string[] = [];
  const client = KubeClient.connect({
    kubeconfig: server.writeKubeconfig(dir, { file: `kc-${servers.length}` }),
    requestTimeoutMs: 10_000,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    env: {},
    warn: (m, hint) => warnings.push(hint ? `${m}\nhint: ${hint}` : m),
  });
  const probeWith = (o: Partial<ProbeOptions> = {}, plan: CollectPlan = PLAN) =>
    collectWith(client, plan, silentProgress, () => NOW, defaultProbeOptions({ runId: 'run1', startTimeoutMs: 5_000, ...o }));
  return { server, ctl, warnings, probeWith };
}

const withNamespace = (name: string, labels: Record<string, string> = {}): Record<string, RawObject[]> => {
  const objects = sampleObjects();
  objects.namespaces = [...objects.namespaces!, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }];
  return objects;
};

describe('probe namespace', () => {
  it('says before creating anything that a namespace enforcing baseline rejects the probe pod, then gives the --overwrite label command', async () => {
    const { server, ctl, warnings, probeWith } = await setup({ objects: withNamespace('locked', { 'pod-security.kubernetes.io/enforce': 'baseline' }) });
    let postsAtWarning = -1;
    const err = (await probeWith({ namespace: 'locked' }).catch((e: unknown) => e)) as UserError;
    postsAtWarning = server.requests.findIndex((r) => r.method === 'POST' && r.path.endsWith('/pods'));
    expect(warnings[0]).toMatch(/^namespace locked enforces Pod Security "baseline": the probe pod needs "privileged"/);
    expect(postsAtWarning).toBeGreaterThan(0);
    expect(server.requests.findIndex((r) => r.path === '/api/v1/namespaces/locked')).toBeLessThan(postsAtWarning);
    expect(err).toBeInstanceOf(UserError);
    expect(err.code).toBe('forbidden');
    expect(err.hint).toContain('kubectl label namespace netx-probe pod-security.kubernetes.io/enforce=privileged --overwrite');
    expect(err.hint).toContain('--probe-namespace netx-probe');
    expect(ctl.pods('locked')).toEqual([]);
    expect(ctl.jobs()).toEqual([]);
  });

  it('a probe namespace that does not exist stops the run before any object is made', async () => {
    const { server, probeWith } = await setup();
    const err = (await probeWith({ namespace: 'netx-probe' }).catch((e: unknown) => e)) as UserError;
    expect(err).toMatchObject({ code: 'not-found', message: 'the probe namespace netx-probe does not exist' });
    expect(err.hint).toContain('kubectl create namespace netx-probe');
    expect(server.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });
});

describe('probe pods the cluster can remove without netx', () => {
  it('every pod is owned by the run\'s anchor Job, which reaps itself at the pods\' deadline; both are deleted at the end', async () => {
    const { server, ctl, probeWith } = await setup();
    const owners = new Map<string, unknown>();
    server.addRoute(
      {
        method: 'POST',
        pattern: /^\/api\/v1\/namespaces\/kube-system\/pods$/,
        handle: async (ctx) => {
          const body = (await ctx.readBody()) as RawObject;
          owners.set(String(body.metadata?.name), (body.metadata as { ownerReferences?: unknown }).ownerReferences);
          ctx.send(500, { kind: 'Status', status: 'Failure', message: 'recorded', code: 500 });
        },
      },
      true,
    );
    const snap = await probeWith({}, { ...PLAN, nodes: { names: ['kube-router-vm1'], dumps: ['addr'] } });
    expect(snap.source.gaps?.[0]?.what).toBe('node kube-router-vm1 dumps');
    const job = server.requests.find((r) => r.method === 'POST' && r.path === '/apis/batch/v1/namespaces/kube-system/jobs');
    expect(job).toBeDefined();
    expect(owners.get('netx-probe-kube-router-vm1-run1')).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'netx-probe-run-run1', uid: expect.stringMatching(/^job-uid-/) }]);
    expect(ctl.jobs()).toEqual([]);
    expect(server.requests.some((r) => r.method === 'DELETE' && r.path === `/apis/batch/v1/namespaces/kube-system/jobs/${anchorName('run1')}`)).toBe(true);
  });

  it('the anchor runs nothing and expires with the pods: parallelism 0, the same deadline, deleted as soon as it fails', async () => {
    const { ctl, probeWith, server } = await setup();
    let seen: RawObject | undefined;
    server.addRoute({ method: 'POST', pattern: /\/jobs$/, handle: async (ctx) => void ((seen = (await ctx.readBody()) as RawObject), ctx.send(201, { ...seen, metadata: { ...seen.metadata, uid: 'u1' } })) }, true);
    await probeWith({ activeDeadlineSeconds: 300 });
    expect(seen?.spec).toMatchObject({ parallelism: 0, backoffLimit: 0, activeDeadlineSeconds: 300, ttlSecondsAfterFinished: 0 });
    const template = (seen?.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    expect(template).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false, securityContext: { runAsNonRoot: true } });
    expect(ctl.created).toHaveLength(2);
  });

  it('without the right to create Jobs the run goes on, and says what that costs', async () => {
    const { server, ctl, warnings, probeWith } = await setup();
    server.deny({ verb: 'create', resource: 'jobs' });
    const snap = await probeWith();
    expect(Object.keys(snap.nodes).sort()).toEqual(['kube-router-vm1', 'kube-router-vm2']);
    expect(warnings[0]).toMatch(/^could not create the run's anchor Job kube-system\/netx-probe-run-run1 \(permission denied.*\): if netx is killed now, its probe pods stop at their deadline \(600 s\) but stay until `kubectl netx cleanup` or the next run removes them\nhint: grant create, delete on jobs.batch in namespace kube-system/);
    expect(ctl.pods('kube-system')).toEqual([]);
  });

  it('the next run sweeps what a killed run left past its deadline, and never what is not netx\'s or still running', async () => {
    const old = probePodSpec('kube-router-vm1', defaultProbeOptions({ runId: 'dead0001' }), new Date(NOW.getTime() - 30 * 60_000));
    const fresh = probePodSpec('kube-router-vm2', defaultProbeOptions({ runId: 'busy0001' }), new Date(NOW.getTime() - 60_000));
    const fake = probePodSpec('kube-router-vm2', defaultProbeOptions({ runId: 'fake0001' }), new Date(NOW.getTime() - 30 * 60_000)) as RawObject & { spec: { containers: Record<string, unknown>[] } };
    fake.spec.containers[0]!.command = ['sh', '-c', 'exec my-agent'];
    const objects = sampleObjects();
    objects.pods = [...objects.pods!, old, fresh, fake];
    const { ctl, warnings, probeWith } = await setup({ objects });
    await probeWith();
    expect(ctl.deleted).toContain('netx-probe-kube-router-vm1-dead0001');
    expect(warnings).toContain('removed pod kube-system/netx-probe-kube-router-vm1-dead0001 (node kube-router-vm1), age 30m, deadline 600s, left behind by an earlier netx run');
    expect(ctl.pods('kube-system').map((p) => p.metadata?.name).sort()).toEqual(['netx-probe-kube-router-vm2-busy0001', 'netx-probe-kube-router-vm2-fake0001']);
  });
});

describe('failures are said, with the reason', () => {
  it('an image the node cannot pull: each node is not probed, with the kubelet\'s reason and the --image hint on stderr', async () => {
    const { warnings, probeWith } = await setup({ pods: { stuckReason: 'ErrImagePull' } });
    const snap = await probeWith({ image: 'registry.example/netshoot:v0.13' });
    expect(snap.nodes).toEqual({});
    expect(snap.source.gaps?.[0]).toMatchObject({ hint: expect.stringMatching(/pull registry.example\/netshoot:v0.13.*--image/) });
    expect(warnings).toEqual(
      ['kube-router-vm1', 'kube-router-vm2'].map((n) =>
        expect.stringMatching(new RegExp(`^node ${n} not probed: probe pod kube-system/netx-probe-${n}-run1 cannot start: ErrImagePull: .*\\nhint: the node must be able to pull registry.example/netshoot:v0.13; .*pass --image`)),
      ),
    );
  });

  it('a DELETE that fails keeps the node\'s dumps and warns, naming the pod and how to remove it', async () => {
    const { server, warnings, probeWith } = await setup();
    server.fault({ method: 'DELETE', path: /\/pods\/netx-probe-kube-router-vm1-run1$/, action: { kind: 'status', code: 500 } });
    const snap = await probeWith();
    expect(Object.keys(snap.nodes).sort()).toEqual(['kube-router-vm1', 'kube-router-vm2']);
    expect(snap.source.gaps).toBeUndefined();
    const w = warnings.find((x) => x.startsWith('could not delete probe pod'));
    expect(w).toMatch(/^could not delete probe pod kube-system\/netx-probe-kube-router-vm1-run1: .*answered 500.*It stops by itself within 600 s .*\nhint: remove it with `kubectl netx cleanup -n kube-system` once its deadline has passed, or now with `kubectl -n kube-system delete pod netx-probe-kube-router-vm1-run1`$/s);
    expect(livePods()).toEqual([]);
  });
});

describe('a node without /etc/cni/net.d', () => {
  it('is still probed, without the mount; the directory is never created and the snapshot says no CNI configuration was read', async () => {
    // vm2 has the directory (an empty one here); vm1 has none.
    const cni = path.join(dir, 'cni-empty');
    mkdirSync(cni, { recursive: true });
    const { ctl, warnings, probeWith } = await setup({ pods: { missingHostPaths: { 'kube-router-vm1': ['/etc/cni/net.d'] } }, mounts: { '/etc/cni/net.d': cni } });
    const snap = await probeWith({}, { ...PLAN, nodes: { names: 'all', dumps: ['addr'] } });
    expect(Object.keys(snap.nodes).sort()).toEqual(['kube-router-vm1', 'kube-router-vm2']);
    const vm1 = snap.nodes['kube-router-vm1']!;
    expect(vm1.dumps.addr?.exitCode).toBe(0);
    expect(vm1.files).toBeUndefined();
    expect(vm1.probe?.errors).toEqual([
      { what: 'CNI files', code: 'not-found', reason: expect.stringMatching(/^the node has no directory \/etc\/cni\/net.d \(the kubelet: MountVolume.SetUp failed for volume "cni" : hostPath type check failed: \/etc\/cni\/net.d is not a directory\): no CNI configuration was read, and none was created$/) },
    ]);
    expect(snap.nodes['kube-router-vm2']!.probe?.errors ?? []).toEqual([]);
    // Two pods for vm1 (with, then without the mount), one for vm2; every one gone; nothing created on the node.
    expect(ctl.created.filter((n) => n.includes('vm1'))).toHaveLength(2);
    expect(ctl.pods('kube-system')).toEqual([]);
    expect(ctl.createdHostPaths).toEqual([]);
    expect(warnings).toEqual([]);
  });
});

describe('captured CNI files', () => {
  it('hold only network configurations, without credentials; the rest is named as left unread', async () => {
    const cni = path.join(dir, 'cni');
    mkdirSync(cni, { recursive: true });
    for (const f of ['10-calico.conflist', 'calico-kubeconfig']) copyFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'cni-secrets', f), path.join(cni, f));
    copyFileSync(corpusPath('cni', 'real-node-flannel-cat-10-flannel.conflist'), path.join(cni, '20-flannel.conflist'));
    const { probeWith } = await setup({ mounts: { '/etc/cni/net.d': cni } });
    const snap = await probeWith({}, { ...PLAN, nodes: { names: ['kube-router-vm1'], dumps: ['addr'] } });
    const node = snap.nodes['kube-router-vm1']!;
    expect(Object.keys(node.files ?? {}).sort()).toEqual([path.join(cni, '10-calico.conflist'), path.join(cni, '20-flannel.conflist')]);
    expect(JSON.stringify(snap)).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.eyJ/);
    expect(JSON.parse(node.files![path.join(cni, '10-calico.conflist')]!).plugins[0].policy.k8s_auth_token).toBe('<redacted-token>');
    expect(node.redactions).toEqual([
      { source: path.join(cni, 'calico-kubeconfig'), kind: 'file', at: expect.stringMatching(/^not read: not a CNI network configuration/) },
      { source: path.join(cni, '10-calico.conflist'), kind: 'token', at: 'line 17: k8s_auth_token' },
    ]);
    // The extended format is valid against the schema and reads back unchanged.
    expect(parseSnapshot(serializeSnapshot(snap), 'x')).toEqual(snap);
    expect(snap.source.redaction).toEqual({ rules: 1 });
  });
});

describe('image', () => {
  it('may be pinned by digest; the digest the kubelet ran is recorded; a malformed reference is refused', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const pinned = `registry.example:5000/tools/netshoot:v0.13@${digest}`;
    expect(isImageReference(pinned)).toBe(true);
    expect(isImageReference('nicolaka/netshoot:v0.13')).toBe(true);
    for (const bad of ['netshoot v0.13', 'UPPER/case', 'x@sha256:short', '']) expect(isImageReference(bad), bad).toBe(false);
    expect(() => probeOptionsFromFlags({ image: 'netshoot v0.13' })).toThrow(/--image "netshoot v0.13" is not an image reference/);
    const { probeWith } = await setup();
    const snap = await probeWith({ image: pinned });
    expect(snap.nodes['kube-router-vm1']!.probe).toMatchObject({ image: pinned, imageID: `registry.example:5000/tools/netshoot@${digest}` });
  });
});

describe('--probe-deadline', () => {
  it('sets the debug pods’ activeDeadlineSeconds (default 10 minutes), never below one --probe-timeout wait and never 0', () => {
    expect(probeOptionsFromFlags({})?.activeDeadlineSeconds).toBe(600);
    expect(probeOptionsFromFlags({ 'probe-deadline': '10m' })?.activeDeadlineSeconds).toBe(600);
    expect(probeOptionsFromFlags({ 'probe-deadline': '45s', 'probe-timeout': '30s' })?.activeDeadlineSeconds).toBe(45);
    expect(probeOptionsFromFlags({ 'probe-deadline': '1500ms', 'probe-timeout': '1s' })?.activeDeadlineSeconds).toBe(2);
    expect(() => probeOptionsFromFlags({ 'probe-deadline': '30s' })).toThrow(/--probe-deadline 30s is shorter than --probe-timeout 90s/);
    expect(() => probeOptionsFromFlags({ 'probe-deadline': '0' })).toThrow(/needs a deadline/);
  });
});
