import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, NODE_DUMPS_GAP } from '../../src/cli/collect.js';
import type { ClusterOptions } from '../../src/cluster/options.js';
import type { Progress } from '../../src/util/progress.js';
import { parseSnapshot, serializeSnapshot } from '../../src/snapshot/io.js';
import { collectAllPlan } from '../../src/snapshot/plan.js';
import { readCorpus } from '../support/corpus.js';
import { sampleObjects } from '../support/api-server/fixture.js';
import { TestApiServer } from '../support/api-server/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-collect-'));
let server: TestApiServer;
beforeAll(async () => {
  server = await TestApiServer.start({ objects: { ...sampleObjects(40), ippools: [{ apiVersion: 'crd.projectcalico.org/v1', kind: 'IPPool', metadata: { name: 'default-ipv4-ippool' }, spec: { cidr: '192.168.0.0/16' } }] } });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const opts = (s: TestApiServer, file: string): ClusterOptions => ({ kubeconfig: s.writeKubeconfig(dir, { file }), requestTimeoutMs: 5000, retry: { baseDelayMs: 5 }, env: {} });
const fixedNow = () => new Date('2026-11-22T12:00:00Z');

describe('collect', () => {
  it('writes nothing to the cluster unless asked: the dry-run Service create is opt-in', async () => {
    server.requests.length = 0;
    const snap = await collect(opts(server, 'readonly'), collectAllPlan(), { update: () => undefined, done: () => undefined }, fixedNow);
    expect(server.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(snap.cluster.serviceCidrProbe).toBeUndefined();
    expect(snap.source.gaps?.map((g) => g.what)).toEqual(['ciliumnodes', 'node dumps']);
    expect(snap.source.redaction).toEqual({ rules: 1 });
  });

  it('captures every resource, /version, the service CIDR probe when asked, and records what it could not get', async () => {
    server.requests.length = 0;
    const updates: string[] = [];
    const progress: Progress = { update: (t) => updates.push(t), done: () => undefined };
    const snap = await collect({ ...opts(server, 'all'), serviceCidrDryRun: true }, collectAllPlan(), progress, fixedNow);
    expect(snap.capturedAt).toBe('2026-11-22T12:00:00.000Z');
    expect(snap.source).toMatchObject({ type: 'live', context: 'netx-test', namespace: 'default', server: server.url });
    expect(snap.source.netxVersion).toMatch(/^\d+\.\d+\.\d+/);
    const answered = server.requests.filter((r) => r.status !== undefined);
    expect(snap.source.fetched?.requests).toBe(answered.length);
    expect(snap.source.fetched?.bytes).toBeGreaterThan(1000);
    expect(snap.cluster.serverVersion).toMatchObject({ gitVersion: 'v1.33.1' });
    expect(snap.cluster.objects.pods).toHaveLength(42);
    expect(snap.cluster.objects.nodes!.map((n) => n.metadata?.name).sort()).toEqual(['kube-router-vm1', 'kube-router-vm2']);
    expect(snap.cluster.objects.configmaps!.map((c) => c.metadata?.name)).toEqual(['kube-proxy']);
    expect(snap.cluster.objects.daemonsets).toHaveLength(1);
    expect(snap.cluster.objects.servicecidrs![0]!.kind).toBe('ServiceCIDR');
    expect(snap.cluster.objects.ippools![0]!.spec).toEqual({ cidr: '192.168.0.0/16' });
    expect(snap.cluster.objects.ciliumnodes).toBeUndefined();
    expect(snap.cluster.views).toBeUndefined();
    // The probe's message is the API server's own wording, and the corpus's regex finds the range in it.
    expect(snap.cluster.serviceCidrProbe?.status).toBe(422);
    expect(snap.cluster.serviceCidrProbe?.message).toMatch(/The range of valid IPs is 10\.96\.0\.0\/12$/);
    const probe = server.requests.find((r) => r.method === 'POST')!;
    expect(probe.query.dryRun).toBe('All');
    expect(snap.source.gaps).toEqual([{ what: 'ciliumnodes', reason: 'the API server does not serve this API (not installed)', code: 'not-found' }, NODE_DUMPS_GAP]);
    expect(snap.nodes).toEqual({});
    expect(updates.some((u) => u.startsWith('listing '))).toBe(true);
    // What collect writes is what --snapshot reads.
    expect(parseSnapshot(serializeSnapshot(snap), 'x')).toEqual(snap);
  });

  it('matches the wording of a real API server', () => {
    const real = readCorpus('k8s-objects', 'apiserver-error-clusterip-out-of-range.v4-k3s-the-provided-IP.txt');
    const ours = 'spec.clusterIPs: Invalid value: []string{"1.1.1.1"}: failed to allocate IP 1.1.1.1: the provided IP (1.1.1.1) is not in the valid range. The range of valid IPs is 10.43.0.0/16';
    expect(real).toContain(ours);
  });

  it('limits namespaced resources with -n and records table views', async () => {
    const plan = collectAllPlan('team-1');
    plan.resources = plan.resources.map((r) => (r.resource === 'pods' ? { ...r, view: 'table' as const } : r));
    const snap = await collect(opts(server, 'ns'), plan, { update: () => undefined, done: () => undefined });
    expect(snap.cluster.objects.pods!.every((p) => p.metadata?.namespace === 'team-1')).toBe(true);
    expect(snap.cluster.objects.pods!.length).toBeGreaterThan(0);
    expect(snap.cluster.views).toEqual({ pods: 'table' });
    expect(snap.cluster.objects.configmaps!.map((c) => c.metadata?.name)).toEqual(['kube-proxy']);
  });

  it('takes DaemonSets from every namespace, also with -n, as the live commands read them', async () => {
    const objects = sampleObjects(0);
    const flannel = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'kube-flannel-ds', namespace: 'kube-flannel' }, spec: { template: { spec: { containers: [{ name: 'kube-flannel', image: 'flannel' }] } } } };
    const s = await TestApiServer.start({ objects: { ...objects, daemonsets: [...objects.daemonsets!, flannel] } });
    try {
      for (const plan of [collectAllPlan(), collectAllPlan('team-1')]) {
        const snap = await collect(opts(s, 'ds'), plan, { update: () => undefined, done: () => undefined });
        expect(snap.cluster.objects.daemonsets!.map((d) => `${d.metadata?.namespace}/${d.metadata?.name}`).sort()).toEqual(['kube-flannel/kube-flannel-ds', 'kube-system/kube-proxy']);
      }
    } finally {
      await s.close();
    }
  });

  it('merges a Table of all pods with a few pods fetched whole: the full copy wins', async () => {
    const apiserver = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'kube-apiserver-cp', namespace: 'kube-system', labels: { component: 'kube-apiserver' } },
      spec: { nodeName: 'kube-router-vm1', hostNetwork: true, containers: [{ name: 'kube-apiserver', command: ['kube-apiserver', '--service-cluster-ip-range=10.96.0.0/12'] }] },
      status: { phase: 'Running', podIP: '10.241.0.20' },
    };
    const objects = sampleObjects(5);
    const s = await TestApiServer.start({ objects: { ...objects, pods: [...objects.pods!, apiserver] } });
    try {
      const plan = {
        resources: [
          { resource: 'pods', view: 'table' as const },
          { resource: 'pods', namespace: 'kube-system', labelSelector: 'component=kube-apiserver', optional: true },
        ],
      };
      const snap = await collect(opts(s, 'merge'), plan, { update: () => undefined, done: () => undefined });
      expect(snap.cluster.objects.pods).toHaveLength(8);
      expect(snap.cluster.views).toEqual({ pods: 'table' });
      const cp = snap.cluster.objects.pods!.filter((p) => p.metadata?.name === 'kube-apiserver-cp');
      expect(cp).toHaveLength(1);
      expect(cp[0]!.spec).toEqual(apiserver.spec);
      expect(snap.cluster.objects.pods!.find((p) => p.metadata?.name === 'gen-00001')!.spec).toEqual({ nodeName: 'kube-router-vm1' });
      // Full copies first, then a cells-only Table listed per namespace (cidr's order): same merge,
      // each pod once, at its first position.
      const reversed = { resources: [{ ...plan.resources[1]! }, { resource: 'pods', view: 'table' as const, includeObject: 'None' as const }] };
      const again = await collect(opts(s, 'merge'), reversed, { update: () => undefined, done: () => undefined });
      const names = again.cluster.objects.pods!.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
      expect(names).toHaveLength(8);
      expect(new Set(names).size).toBe(8);
      expect(names[0]).toBe('kube-system/kube-apiserver-cp');
      expect(again.cluster.objects.pods![0]!.spec).toEqual(apiserver.spec);
      expect(again.cluster.views).toEqual({ pods: 'table' });
    } finally {
      await s.close();
    }
  });

  it('tells a missing object from a missing API in gaps', async () => {
    const plan = {
      resources: [
        { resource: 'configmaps', namespace: 'kube-system', name: 'kubeadm-config', optional: true },
        { resource: 'configmaps', namespace: 'kube-system', name: 'kube-proxy', optional: true },
        { resource: 'ciliumnodes', optional: true },
        { resource: 'servicecidrs', name: 'kubernetes', optional: true },
      ],
    };
    const snap = await collect(opts(server, 'named'), plan, { update: () => undefined, done: () => undefined });
    expect(snap.source.gaps).toEqual([
      { what: 'configmaps kube-system/kubeadm-config', reason: 'not found', code: 'not-found' },
      { what: 'ciliumnodes', reason: 'the API server does not serve this API (not installed)', code: 'not-found' },
    ]);
    expect(snap.cluster.objects.configmaps!.map((c) => c.metadata?.name)).toEqual(['kube-proxy']);
    expect(snap.cluster.objects.servicecidrs![0]!.spec).toEqual({ cidrs: ['10.96.0.0/12'] });
  });

  it('turns refusals of optional things into gaps and of required ones into a clear error', async () => {
    const s = await TestApiServer.start({ objects: sampleObjects(), serviceCidrApi: 'none' });
    try {
      s.deny({ verb: 'create', resource: 'services' });
      const snap = await collect({ ...opts(s, 'gaps'), serviceCidrDryRun: true }, collectAllPlan(), { update: () => undefined, done: () => undefined });
      expect(snap.cluster.serviceCidrProbe).toBeUndefined();
      const gaps = snap.source.gaps!.map((g) => `${g.what}:${g.code}`);
      expect(gaps).toEqual(['servicecidrs:not-found', 'ippools:not-found', 'ciliumnodes:not-found', 'serviceCidrProbe:forbidden', 'node dumps:unsupported']);
      s.deny({ verb: 'list', resource: 'endpointslices' });
      await expect(collect(opts(s, 'gaps'), collectAllPlan(), { update: () => undefined, done: () => undefined })).rejects.toMatchObject({
        message: 'permission denied: user "netx-tester" cannot list endpointslices in all namespaces (context "netx-test")',
        code: 'forbidden',
      });
    } finally {
      await s.close();
    }
  });
});
