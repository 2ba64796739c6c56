/** The real client path (kubeconfig → TLS → bearer token) against the test API server. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, PAGE_SIZE } from '../../src/cluster/client.js';
import type { ClusterOptions } from '../../src/cluster/options.js';
import { parseRetryAfter } from '../../src/cluster/retry.js';
import { ExternalError, UserError } from '../../src/util/errors.js';
import { sampleObjects } from '../support/api-server/fixture.js';
import { TestApiServer } from '../support/api-server/index.js';

const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };
let server: TestApiServer;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  server = await TestApiServer.start({ objects: sampleObjects(1203) });
  dir = mkdtempSync(path.join(os.tmpdir(), 'netx-client-'));
  kubeconfig = server.writeKubeconfig(dir, { namespace: 'team-1' });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  server.clearFaults();
  server.requests.length = 0;
});

const client = (extra: Partial<ClusterOptions> = {}): KubeClient =>
  KubeClient.connect({ kubeconfig, requestTimeoutMs: 5000, retry: FAST_RETRY, env: {}, ...extra });

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('reads', () => {
  it('takes the namespace from the context and gets objects by name', async () => {
    const c = client();
    expect(c.connection.namespace).toBe('team-1');
    const pod = await c.get('pods', 'gen-00001');
    expect(pod.metadata?.namespace).toBe('team-1');
    expect(pod.kind).toBe('Pod');
    const node = await c.get('nodes', 'kube-router-vm1');
    expect(node.apiVersion).toBe('v1');
    const err = await rejection(c.get('pods', 'nope', 'default'));
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('not-found');
    expect(err.message).toContain('get pods "nope" in namespace default');
  });

  it('pages through a long list with limit/continue and keeps every object once', async () => {
    const res = await client().list({ resource: 'pods' });
    expect(res.items).toHaveLength(1203 + 2);
    expect(new Set(res.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).size).toBe(1205);
    const pages = server.requests.filter((r) => r.path === '/api/v1/pods');
    expect(pages).toHaveLength(Math.ceil(1205 / PAGE_SIZE));
    expect(pages.every((r) => r.query.limit === String(PAGE_SIZE))).toBe(true);
    expect(pages[0]!.query.continue).toBeUndefined();
    expect(pages[1]!.query.continue).toBeTruthy();
    expect(res.items[0]!.kind).toBe('Pod');
  });

  it('starts over with one full list when a continue token expires (410), like client-go', async () => {
    server.fault({
      path: '/api/v1/pods',
      when: (url) => url.searchParams.has('continue'),
      action: { kind: 'status', code: 410, reason: 'Expired', message: 'The provided continue parameter is too old to display a consistent list result.' },
      times: 1,
    });
    const res = await client().list({ resource: 'pods' });
    expect(res.items).toHaveLength(1205);
    const pages = server.requests.filter((r) => r.path === '/api/v1/pods');
    expect(pages.map((r) => [r.status, r.query.limit ?? 'all', r.query.continue ? 'cont' : ''])).toEqual([
      [200, String(PAGE_SIZE), ''],
      [410, String(PAGE_SIZE), 'cont'],
      [200, 'all', ''],
    ]);
  });

  it('passes label and field selectors to the server', async () => {
    const c = client();
    const web = await c.list({ resource: 'pods', namespace: 'team-0', labelSelector: 'tier=web,app in (app-1, app-3)' });
    expect(web.items.length).toBeGreaterThan(0);
    expect(web.items.every((p) => p.metadata?.namespace === 'team-0' && (p.metadata?.labels as Record<string, string>).tier === 'web')).toBe(true);
    const onVm1 = await c.list({ resource: 'pods', fieldSelector: 'spec.nodeName=kube-router-vm1,status.phase!=Pending' });
    expect(onVm1.items.length).toBeGreaterThan(500);
    expect(onVm1.items.every((p) => (p.spec as { nodeName: string }).nodeName === 'kube-router-vm1' && (p.status as { phase: string }).phase !== 'Pending')).toBe(true);
    const noTier = await c.list({ resource: 'pods', labelSelector: '!tier' });
    expect(noTier.items.map((p) => p.metadata?.name).sort()).toEqual(['whoami-nflzk', 'whoami-s72mp', 'whoami-xxx'].filter((n) => noTier.items.some((p) => p.metadata?.name === n)).sort());
    expect(noTier.items).toHaveLength(2);
    const bad = await rejection(c.list({ resource: 'pods', fieldSelector: 'spec.bogus=1' }));
    expect(bad).toBeInstanceOf(ExternalError);
    expect(bad.message).toContain('field label not supported: spec.bogus');
  });

  it('lists pods as a server-side Table turned into minimal pod objects', async () => {
    const res = await client().list({ resource: 'pods', view: 'table' });
    expect(res.view).toBe('table');
    expect(res.items).toHaveLength(1205);
    expect(server.requests.every((r) => r.path !== '/api/v1/pods' || /as=Table/.test(r.accept ?? ''))).toBe(true);
    const real = res.items.find((p) => p.metadata?.name === 'whoami-nflzk')!;
    expect(real).toMatchObject({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'whoami-nflzk', namespace: 'default', labels: { name: 'whoami' } },
      spec: { nodeName: 'kube-router-vm2' },
      status: { phase: 'Running', podIP: '10.242.1.4', podIPs: [{ ip: '10.242.1.4' }] },
    });
    const pending = res.items.find((p) => p.metadata?.name === 'gen-00000')!;
    expect(pending.status).toEqual({ phase: 'Pending' });
    expect(res.bytes).toBeGreaterThan(0);
  });

  it('lists an includeObject=None Table namespace by namespace, the namespace taken from the request', async () => {
    const res = await client().list({ resource: 'pods', view: 'table', includeObject: 'None' });
    expect(res.view).toBe('table');
    expect(res.items).toHaveLength(1205);
    const nsList = server.requests.filter((r) => r.path === '/api/v1/namespaces');
    expect(nsList).toHaveLength(1);
    expect(nsList[0]!.query.includeObject).toBe('None');
    const podLists = server.requests.filter((r) => r.path.endsWith('/pods'));
    expect(new Set(podLists.map((r) => r.path))).toEqual(new Set(['default', 'kube-system', 'team-0', 'team-1', 'team-2'].map((n) => `/api/v1/namespaces/${n}/pods`)));
    expect(podLists.every((r) => r.query.includeObject === 'None' && /as=Table/.test(r.accept ?? ''))).toBe(true);
    expect(res.items.filter((p) => p.metadata?.namespace === 'team-0')).toHaveLength(401);
    expect(res.items.find((p) => p.metadata?.name === 'whoami-nflzk')).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: 'default', name: 'whoami-nflzk' },
      spec: { nodeName: 'kube-router-vm2' },
      status: { phase: 'Running', podIP: '10.242.1.4', podIPs: [{ ip: '10.242.1.4' }] },
    });
    expect(res.items.find((p) => p.metadata?.name === 'gen-00001')!.metadata?.namespace).toBe('team-1');
    // Key order, as one cluster-wide listing would give.
    const keys = res.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
    expect(keys).toEqual([...keys].sort());
  });

  it('without the right to list namespaces, lists cluster-wide with the rows\' metadata', async () => {
    const other = await TestApiServer.start({ objects: sampleObjects(3) });
    try {
      other.deny({ verb: 'list', resource: 'namespaces' });
      const c = KubeClient.connect({ kubeconfig: other.writeKubeconfig(dir, { file: 'no-ns' }), requestTimeoutMs: 5000, retry: FAST_RETRY, env: {} });
      const res = await c.list({ resource: 'pods', view: 'table', includeObject: 'None' });
      expect(res.items).toHaveLength(5);
      expect(res.items.every((p) => p.metadata?.namespace)).toBe(true);
      const podLists = other.requests.filter((r) => r.path === '/api/v1/pods');
      expect(podLists.map((r) => r.query.includeObject)).toEqual(['Metadata']);
    } finally {
      await other.close();
    }
  });

  it('drops the fields a request names from each object, keeping the rest as served', async () => {
    const res = await client().list({ resource: 'nodes', drop: ['metadata.managedFields', 'spec.podCIDRs', 'no.such.path'] });
    expect(res.items.length).toBeGreaterThan(0);
    for (const n of res.items) {
      expect(n.metadata?.managedFields).toBeUndefined();
      expect((n.spec as Record<string, unknown>).podCIDRs).toBeUndefined();
      expect((n.spec as Record<string, unknown>).podCIDR).toBeDefined();
      expect((n.status as Record<string, unknown>).addresses).toBeDefined();
    }
    const whole = await client().list({ resource: 'nodes' });
    expect(whole.items.every((n) => (n.spec as Record<string, unknown>).podCIDRs !== undefined)).toBe(true);
  });

  it('lists metadata only', async () => {
    const res = await client().list({ resource: 'services', view: 'metadata' });
    expect(res.view).toBe('metadata');
    expect(res.items.length).toBe(6);
    expect(res.items[0]).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1' });
    expect(res.items[0]!.spec).toBeUndefined();
  });

  it('falls back from networking.k8s.io/v1 to v1beta1 for ServiceCIDRs', async () => {
    const old = await TestApiServer.start({ objects: sampleObjects(), serviceCidrApi: 'v1beta1' });
    try {
      const kc = old.writeKubeconfig(dir, { file: 'old' });
      const res = await client({ kubeconfig: kc }).list({ resource: 'servicecidrs' });
      expect(res.apiVersion).toBe('networking.k8s.io/v1beta1');
      expect(res.items[0]!.metadata?.name).toBe('kubernetes');
      expect(old.requests.map((r) => r.path)).toEqual(['/apis/networking.k8s.io/v1/servicecidrs', '/apis/networking.k8s.io/v1beta1/servicecidrs']);
    } finally {
      await old.close();
    }
  });
});

describe('in-cluster fallback', () => {
  it('uses the pod service account when there is no kubeconfig', async () => {
    const root = path.join(dir, 'pod-root');
    const sa = path.join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(path.join(sa, 'ca.crt'), server.ca);
    writeFileSync(path.join(sa, 'token'), server.token);
    writeFileSync(path.join(sa, 'namespace'), 'team-2');
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    // client-node reads the service address from process.env itself.
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = String(server.port);
    try {
      const c = KubeClient.connect({ requestTimeoutMs: 5000, env: { ...process.env, HOME: dir }, inClusterRoot: root });
      expect(c.connection).toMatchObject({ origin: 'in-cluster service account', namespace: 'team-2', server: server.url });
      expect((await c.list({ resource: 'nodes' })).items).toHaveLength(2);
    } finally {
      for (const [k, v] of [['KUBERNETES_SERVICE_HOST', saved.host], ['KUBERNETES_SERVICE_PORT', saved.port]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('retries', () => {
  it('retries 429 honouring Retry-After, then succeeds', async () => {
    const f = server.fault({ path: '/api/v1/nodes', action: { kind: 'status', code: 429, retryAfterSeconds: 0 }, times: 2 });
    const res = await client().list({ resource: 'nodes' });
    expect(res.items).toHaveLength(2);
    expect(f.hits).toBe(2);
    expect(server.requests.filter((r) => r.path === '/api/v1/nodes').map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('caps a long Retry-After even with --request-timeout 0 and says on stderr that the server asked to wait', async () => {
    server.fault({ path: '/api/v1/nodes', action: { kind: 'status', code: 429, retryAfterSeconds: 3600 }, times: 1 });
    const warnings: string[] = [];
    const started = Date.now();
    const res = await client({ requestTimeoutMs: 0, retry: { ...FAST_RETRY, maxRetryAfterMs: 300 }, warn: (m) => warnings.push(m) }).list({ resource: 'nodes' });
    expect(res.items).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(warnings).toEqual(['the API server asked to wait 3600s (429, Retry-After) before retrying list nodes; retrying in 1s (netx waits at most 1s)']);
  });

  it('says how long the server wanted to wait when it gives up on a throttled request', async () => {
    server.fault({ path: '/api/v1/nodes', action: { kind: 'status', code: 429, retryAfterSeconds: 3600 } });
    const warnings: string[] = [];
    const err = (await rejection(client({ requestTimeoutMs: 0, retry: { ...FAST_RETRY, maxAttempts: 2, maxRetryAfterMs: 50 }, warn: (m) => warnings.push(m) }).list({ resource: 'nodes' }))) as ExternalError;
    expect(err.message).toContain('throttled the request (429 Too Many Requests) to list nodes after 2 attempts');
    expect(err.hint).toMatch(/asked to wait 3600s before retrying/);
    expect(warnings).toHaveLength(1);
  });

  it('reads Retry-After in seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(['0'])).toBe(0);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('retries 500 and connection resets', async () => {
    server.fault({ path: '/api/v1/nodes', action: { kind: 'status', code: 500 }, times: 1 });
    server.fault({ path: '/api/v1/nodes', action: { kind: 'reset' }, times: 2 });
    const res = await client().list({ resource: 'nodes' });
    expect(res.items).toHaveLength(2);
    expect(server.requests.filter((r) => r.path === '/api/v1/nodes').map((r) => r.fault ?? r.status)).toEqual(['status', 'reset', 'reset', 200]);
  });

  it('gives up after the attempts with the server message', async () => {
    server.fault({ path: '/api/v1/nodes', action: { kind: 'status', code: 503 } });
    const err = await rejection(client({ retry: { ...FAST_RETRY, maxAttempts: 3 } }).list({ resource: 'nodes' }));
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.message).toBe(`the API server ${server.url} (context "netx-test") answered 503 to list nodes after 3 attempts: Internal error occurred: injected fault`);
  });

  it('does not wait for a Retry-After beyond --request-timeout', async () => {
    server.fault({ path: '/api/v1/nodes', action: { kind: 'status', code: 429, retryAfterSeconds: 30 } });
    const started = Date.now();
    const err = await rejection(client({ requestTimeoutMs: 1000 }).list({ resource: 'nodes' }));
    expect(Date.now() - started).toBeLessThan(900);
    expect(err.message).toContain('throttled the request (429 Too Many Requests) to list nodes');
  });

  it('bounds a hanging server by --request-timeout, retries included', async () => {
    server.fault({ path: '/api/v1/nodes', action: { kind: 'hang' } });
    const started = Date.now();
    const err = await rejection(client({ requestTimeoutMs: 600 }).list({ resource: 'nodes' }));
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(550);
    expect(took).toBeLessThan(3000);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('timeout');
    expect(err.message).toBe(`the API server ${server.url} (context "netx-test") did not answer list nodes within 600ms (--request-timeout)`);
  });

  it('times out each attempt even without an overall bound', async () => {
    server.fault({ path: '/api/v1/nodes', action: { kind: 'hang' }, times: 1 });
    const res = await client({ requestTimeoutMs: 0, retry: { ...FAST_RETRY, attemptTimeoutMs: 300 } }).list({ resource: 'nodes' });
    expect(res.items).toHaveLength(2);
  });
});

describe('refusals', () => {
  it('says which verb/resource/namespace RBAC refused and what netx needs', async () => {
    server.deny({ verb: 'list', resource: 'daemonsets', namespace: 'kube-system' });
    const err = await rejection(client().list({ resource: 'daemonsets', namespace: 'kube-system' }));
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('forbidden');
    expect(err.message).toBe('permission denied: user "netx-tester" cannot list daemonsets in namespace kube-system (context "netx-test")');
    expect((err as UserError).hint).toBe('netx needs get, list on daemonsets.apps (CNI, policy engine and kube-proxy detection (their DaemonSets live in namespaces of their own: kube-flannel, calico-system …)); `kubectl netx rbac` prints the RBAC rules to grant');
    const cluster = await TestApiServer.start({ objects: sampleObjects() });
    try {
      cluster.deny({ verb: 'list', resource: 'pods' });
      const e2 = await rejection(client({ kubeconfig: cluster.writeKubeconfig(dir, { file: 'deny' }) }).list({ resource: 'pods' }));
      expect(e2.message).toContain('cannot list pods in all namespaces');
    } finally {
      await cluster.close();
    }
  });

  it('reports bad credentials as 401', async () => {
    const kc = server.writeKubeconfig(dir, { file: 'badtoken', token: 'wrong' });
    const err = await rejection(client({ kubeconfig: kc }).serverVersion());
    expect((err as UserError).code).toBe('unauthorized');
    expect(err.message).toBe(`the API server ${server.url} (context "netx-test") rejected the credentials (401 Unauthorized)`);
  });

  it('reports a closed port as unreachable, naming server and context, without retrying for long', async () => {
    const closed = await TestApiServer.start({});
    const url = closed.url;
    const kc = closed.writeKubeconfig(dir, { file: 'closed', context: 'gone' });
    await closed.close();
    const err = await rejection(client({ kubeconfig: kc }).serverVersion());
    expect((err as UserError).code).toBe('unreachable');
    expect(err.message).toBe(`cannot reach the API server ${url} (context "gone"): connection refused`);
  });

  it('reports a certificate that does not match the CA as a TLS error', async () => {
    const kc = server.writeKubeconfig(dir, { file: 'tls', server: server.url.replace('127.0.0.1', 'localhost') });
    const good = await client({ kubeconfig: kc }).serverVersion();
    expect(good.gitVersion).toBe('v1.33.1');
    const other = { ...server.kubeconfig(), clusters: [{ name: 'netx-test-cluster', cluster: { server: server.url } }] };
    const { writeFileSync } = await import('node:fs');
    const { stringify } = await import('yaml');
    const noCa = path.join(dir, 'noca');
    writeFileSync(noCa, stringify(other));
    const err = await rejection(client({ kubeconfig: noCa }).serverVersion());
    expect((err as UserError).code).toBe('unreachable');
    expect(err.message).toMatch(/^cannot reach the API server https:\/\/127\.0\.0\.1:\d+ \(context "netx-test"\): TLS error: /);
  });
});
