/**
 * The test API server (test/support/api-server/) against the real kube-apiserver of the kube-lab: the
 * requests netx makes (lists in its three renderings, paging, selectors, gets, the dry-run Service
 * create, probe pod and anchor Job create/delete as netx builds them, refusals) go to both, the fake
 * serving the very objects the real one holds, and what netx relies on in the answers must agree:
 * status code, kind and apiVersion, list shape and contents, Table columns, and for errors the
 * Status reason, code, details and message.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { METADATA_ACCEPT, TABLE_ACCEPT } from '../../src/cluster/table.js';
import { anchorJobSpec } from '../../src/probe/anchor.js';
import { probePodSpec } from '../../src/probe/debug-pod.js';
import { defaultProbeOptions } from '../../src/probe/options.js';
import type { RawObject } from '../../src/snapshot/types.js';
import { servePods, TestApiServer } from '../support/api-server/index.js';
import type { KubeLabContext } from './global-setup.js';
import { labClients, waitForDefaultServiceAccount, type Lab } from './live.js';
import type { LabState } from './state.js';
import { labSuites } from './suites.js';

const NS = 'kl-api';
const SA = 'nobody';
/** The address netx's dry-run create asks for (src/cluster/service-cidr-probe.ts): outside any service range. */
const OUT_OF_RANGE_IP = '203.0.113.10';

interface Endpoint {
  url: string;
  ca: string;
  token: string;
}

interface Answer {
  status: number;
  contentType: string;
  body: unknown;
}

interface Call {
  method?: string;
  path: string;
  query?: Record<string, string>;
  accept?: string;
  body?: unknown;
  token?: string;
}

function call(to: Endpoint, c: Call): Promise<Answer> {
  const url = new URL(c.path, to.url);
  for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
  const payload = c.body === undefined ? undefined : JSON.stringify(c.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: c.method ?? 'GET',
        ca: to.ca,
        headers: {
          authorization: `Bearer ${c.token ?? to.token}`,
          accept: c.accept ?? 'application/json',
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (b: Buffer) => chunks.push(b));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: kept as text, and compared as such
          }
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? '').split(';')[0] ?? '', body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const nameOf = (o: unknown): string => String(obj(obj(o)['metadata'])['name'] ?? '');

/** What netx reads from an answer; everything else (timestamps, uids, resourceVersions, managedFields) is the server's own. */
function view(a: Answer): Json {
  const b = obj(a.body);
  const kind = b['kind'];
  const out: Json = { status: a.status, contentType: a.contentType, kind, apiVersion: b['apiVersion'] };
  if (typeof a.body === 'string') out['text'] = a.body.trim();
  if (kind === 'Status') {
    const d = obj(b['details']);
    Object.assign(out, {
      outcome: b['status'],
      reason: b['reason'],
      code: b['code'],
      message: b['message'],
      details: { name: d['name'], group: d['group'], kind: d['kind'], causes: (d['causes'] as Json[] | undefined)?.map((c) => ({ field: c['field'], reason: c['reason'], message: c['message'] })) },
    });
  }
  const meta = obj(b['metadata']);
  if (Array.isArray(b['items'])) {
    Object.assign(out, {
      names: (b['items'] as unknown[]).map(nameOf).sort(),
      itemKinds: [...new Set((b['items'] as Json[]).map((i) => i['kind']))],
      resourceVersion: typeof meta['resourceVersion'],
      continues: typeof meta['continue'] === 'string' && meta['continue'] !== '',
      remainingItemCount: meta['remainingItemCount'],
    });
  }
  if (kind === 'Table') {
    const rows = (b['rows'] as Json[] | undefined) ?? [];
    Object.assign(out, {
      columns: ((b['columnDefinitions'] as Json[] | undefined) ?? []).map((c) => c['name']),
      rows: rows.length,
      rowObjects: [...new Set(rows.map((r) => obj(r['object'])['kind'] ?? null))],
      names: rows.map((r) => (r['object'] ? nameOf(r['object']) : String((r['cells'] as unknown[])[0]))).sort(),
    });
  }
  if (kind !== 'Status' && !Array.isArray(b['items']) && kind !== 'Table' && b['metadata']) out['name'] = meta['name'];
  return out;
}

/** Every object of these resources, as the real apiserver lists them (kubectl sets each item's apiVersion and kind). */
const RESOURCES = ['nodes', 'pods', 'services', 'namespaces', 'configmaps', 'endpointslices', 'networkpolicies', 'daemonsets', 'jobs', 'events', 'servicecidrs'];

function realObjects(lab: Lab): Record<string, RawObject[]> {
  return Object.fromEntries(RESOURCES.map((r) => [r, (JSON.parse(lab.kubectl(['get', r, '-A', '-o', 'json']).stdout) as { items: RawObject[] }).items]));
}

function suites(ctx: KubeLabContext, state: LabState): void {
  const lab = labClients(ctx, state);
  const kubeconfig = parse(readFileSync(ctx.kubeconfig, 'utf8')) as { clusters: { cluster: { server: string; 'certificate-authority-data': string } }[]; users: { user: { token: string } }[] };
  const real: Endpoint = {
    url: kubeconfig.clusters[0]?.cluster.server ?? '',
    ca: Buffer.from(kubeconfig.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString(),
    token: kubeconfig.users[0]?.user.token ?? '',
  };
  let fake: TestApiServer;
  let fakeEp: Endpoint;
  /** A second fake whose user is the real ServiceAccount without permissions, refused what RBAC refuses it. */
  let refusing: TestApiServer;
  let saToken = '';
  const user = `system:serviceaccount:${NS}:${SA}`;

  const both = async (c: Call, saCall = false): Promise<{ real: Json; fake: Json }> => {
    const r = await call(real, saCall ? { ...c, token: saToken } : c);
    const f = await call(saCall ? { url: refusing.url, ca: refusing.ca, token: refusing.token } : fakeEp, c);
    return { real: view(r), fake: view(f) };
  };

  beforeAll(async () => {
    const kubectl = (args: string[], input?: string): string => {
      const r = lab.kubectl(args, input);
      if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    kubectl(['create', 'namespace', NS]);
    kubectl(['-n', NS, 'create', 'serviceaccount', SA]);
    waitForDefaultServiceAccount(lab, NS);
    kubectl(['-n', NS, 'run', 'web', '--image=netx.local/agnhost:lab', '--image-pull-policy=Never', '--labels=app=web', '--overrides={"spec":{"nodeName":"node-1"}}', '--', 'pause']);
    kubectl(['-n', NS, 'wait', '--for=condition=Ready', 'pod/web', '--timeout=120s']);
    saToken = kubectl(['-n', NS, 'create', 'token', SA]).trim();
    const objects = realObjects(lab);
    const serviceCIDRs = objects['servicecidrs']?.flatMap((s) => (s.spec as { cidrs: string[] }).cidrs) ?? [];
    // The fake says it is the real one's release: some wording depends on it.
    const serverVersion = (await call(real, { path: '/version' })).body as Record<string, unknown>;
    fake = await TestApiServer.start({ objects, serviceCIDRs, serverVersion });
    servePods(fake);
    fakeEp = { url: fake.url, ca: fake.ca, token: fake.token };
    refusing = await TestApiServer.start({ objects, serviceCIDRs, user });
    servePods(refusing);
    for (const verb of ['get', 'list', 'create', 'delete']) for (const resource of ['pods', 'configmaps', 'services', 'nodes', 'jobs']) refusing.deny({ verb, resource });
  }, 180_000);

  afterAll(async () => {
    await fake?.close();
    await refusing?.close();
    lab.kubectl(['delete', 'namespace', NS, '--wait=true', '--timeout=60s'], undefined, 70_000);
  }, 90_000);

  describe('the test API server answers the requests netx makes as the real kube-apiserver does', () => {
    const lists: [string, Call][] = [
      ['nodes', { path: '/api/v1/nodes' }],
      ['pods, all namespaces', { path: '/api/v1/pods' }],
      ['pods in one namespace', { path: `/api/v1/namespaces/${NS}/pods` }],
      ['services', { path: '/api/v1/services' }],
      ['namespaces', { path: '/api/v1/namespaces' }],
      ['configmaps in kube-system', { path: '/api/v1/namespaces/kube-system/configmaps' }],
      ['endpointslices', { path: '/apis/discovery.k8s.io/v1/endpointslices' }],
      ['networkpolicies', { path: '/apis/networking.k8s.io/v1/networkpolicies' }],
      ['daemonsets', { path: '/apis/apps/v1/daemonsets' }],
      ['jobs', { path: '/apis/batch/v1/jobs' }],
      ['servicecidrs', { path: '/apis/networking.k8s.io/v1/servicecidrs' }],
      ['pods on one node (field selector)', { path: '/api/v1/pods', query: { fieldSelector: 'spec.nodeName=node-1' } }],
      ['running pods (field selector)', { path: '/api/v1/pods', query: { fieldSelector: 'status.phase=Running' } }],
      ['pods by label', { path: '/api/v1/pods', query: { labelSelector: 'app in (web),!nothing' } }],
      ['one page of pods', { path: '/api/v1/pods', query: { limit: '1' } }],
      ['pods as a Table without objects', { path: `/api/v1/namespaces/${NS}/pods`, accept: TABLE_ACCEPT, query: { includeObject: 'None' } }],
      ['pods as a Table with metadata', { path: '/api/v1/pods', accept: TABLE_ACCEPT, query: { includeObject: 'Metadata' } }],
      ['nodes as a Table', { path: '/api/v1/nodes', accept: TABLE_ACCEPT }],
      ['pods as PartialObjectMetadata', { path: '/api/v1/pods', accept: METADATA_ACCEPT }],
    ];
    it.each(lists)('list: %s', async (_what, c) => {
      const { real: r, fake: f } = await both(c);
      expect(r['status']).toBe(200);
      expect(f).toEqual(r);
    });

    it('pages: the continue token of a page leads to the rest, on both', async () => {
      const all = async (to: Endpoint): Promise<string[]> => {
        const names: string[] = [];
        let cont = '';
        for (let i = 0; i < 100; i++) {
          const a = await call(to, { path: '/api/v1/pods', query: { limit: '2', ...(cont ? { continue: cont } : {}) } });
          names.push(...((obj(a.body)['items'] as unknown[]) ?? []).map(nameOf));
          cont = String(obj(obj(a.body)['metadata'])['continue'] ?? '');
          if (!cont) break;
        }
        return names.sort();
      };
      expect(await all(fakeEp)).toEqual(await all(real));
    });

    const gets: [string, Call][] = [
      ['a configmap', { path: '/api/v1/namespaces/kube-system/configmaps/kube-proxy' }],
      ['a node', { path: '/api/v1/nodes/node-1' }],
      ['a missing pod', { path: `/api/v1/namespaces/${NS}/pods/missing` }],
      ['a missing job', { path: `/apis/batch/v1/namespaces/${NS}/jobs/missing` }],
      ['a missing configmap in a missing namespace', { path: '/api/v1/namespaces/nowhere/configmaps/kube-proxy' }],
      ['the version', { path: '/version' }],
      ['core discovery', { path: '/api' }],
      ['group discovery', { path: '/apis' }],
    ];
    it.each(gets)('get: %s', async (_what, c) => {
      const { real: r, fake: f } = await both(c);
      if (c.path === '/version' || c.path === '/apis') {
        // Versions and the groups served differ by design; the shape netx reads must not.
        expect({ status: f['status'], kind: f['kind'] }).toEqual({ status: r['status'], kind: r['kind'] });
        return;
      }
      expect(f).toEqual(r);
    });

    const refusals: [string, Call][] = [
      ['an unknown resource', { path: '/api/v1/nothings' }],
      ['an unknown group', { path: '/apis/nothing.example.com/v1/things' }],
      ['a field selector the resource does not support', { path: '/api/v1/services', query: { fieldSelector: 'spec.nodeName=node-1' } }],
      ['a malformed label selector', { path: '/api/v1/pods', query: { labelSelector: 'app in web' } }],
      ['a bad continue token', { path: '/api/v1/pods', query: { limit: '1', continue: 'garbage' } }],
      ['a bad token', { path: '/api/v1/nodes', token: 'not-a-token' }],
      ['a version the group does not serve', { path: '/apis/networking.k8s.io/v1alpha9/servicecidrs' }],
      ['discovery of a version the group does not serve', { path: '/apis/networking.k8s.io/v1alpha9' }],
      ['discovery of an unknown group', { path: '/apis/nothing.example.com/v1' }],
      ['the dry-run create of a Service outside the service range (netx\'s ServiceCIDR probe)', {
        method: 'POST',
        path: `/api/v1/namespaces/${NS}/services`,
        query: { dryRun: 'All' },
        body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'netx-servicecidr-probe', namespace: NS }, spec: { type: 'ClusterIP', clusterIP: OUT_OF_RANGE_IP, ports: [{ port: 80, protocol: 'TCP' }] } },
      }],
    ];
    it.each(refusals)('refusal: %s', async (_what, c) => {
      const { real: r, fake: f } = await both(c);
      expect(r['status']).toBeGreaterThanOrEqual(400);
      // A bad continue token's message ends in the JSON decoder's own words (Go's, JavaScript's).
      const decoder = (v: Json): Json => ({ ...v, ...(typeof v['message'] === 'string' ? { message: v['message'].replace(/(continue key is not valid: ).*/, '$1…') } : {}) });
      expect(decoder(f)).toEqual(decoder(r));
    });

    const forbidden: [string, Call][] = [
      ['list pods at cluster scope', { path: '/api/v1/pods' }],
      ['get a configmap in a namespace', { path: '/api/v1/namespaces/kube-system/configmaps/kube-proxy' }],
      ['list nodes', { path: '/api/v1/nodes' }],
      ['create a pod', { method: 'POST', path: `/api/v1/namespaces/${NS}/pods`, body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: 'x' }] } } }],
      ['delete a job', { method: 'DELETE', path: `/apis/batch/v1/namespaces/${NS}/jobs/x`, query: { propagationPolicy: 'Background' } }],
    ];
    it.each(forbidden)('RBAC refusal (a ServiceAccount without permissions): %s', async (_what, c) => {
      const { real: r, fake: f } = await both(c, true);
      expect(r['status']).toBe(403);
      expect(f).toEqual(r);
    });

    it('probe pod and anchor Job, as netx builds them: create, create again, delete, delete again', async () => {
      const opts = defaultProbeOptions({ namespace: NS, image: 'netx.local/netx-debug:lab', activeDeadlineSeconds: 60 });
      const now = new Date();
      const pod = probePodSpec('node-1', opts, now);
      const job = anchorJobSpec(opts, now);
      const podPath = `/api/v1/namespaces/${NS}/pods`;
      const jobPath = `/apis/batch/v1/namespaces/${NS}/jobs`;
      const steps: [string, Call][] = [
        ['create pod', { method: 'POST', path: podPath, body: pod }],
        ['create pod again', { method: 'POST', path: podPath, body: pod }],
        ['create job', { method: 'POST', path: jobPath, body: job }],
        ['create job again', { method: 'POST', path: jobPath, body: job }],
        ['delete pod', { method: 'DELETE', path: `${podPath}/${nameOf(pod)}`, query: { gracePeriodSeconds: '0' } }],
        ['delete pod again', { method: 'DELETE', path: `${podPath}/${nameOf(pod)}`, query: { gracePeriodSeconds: '0' } }],
        ['delete job', { method: 'DELETE', path: `${jobPath}/${nameOf(job)}`, query: { propagationPolicy: 'Background' } }],
        ['delete job again', { method: 'DELETE', path: `${jobPath}/${nameOf(job)}`, query: { propagationPolicy: 'Background' } }],
      ];
      const seen: Json[] = [];
      for (const [what, c] of steps) {
        const { real: r, fake: f } = await both(c);
        seen.push({ what, real: r, fake: f });
      }
      expect(seen.map((s) => ({ what: s['what'], answer: s['fake'] }))).toEqual(seen.map((s) => ({ what: s['what'], answer: s['real'] })));
    });

    it('Pod Security admission refuses the probe pod in a baseline namespace, in words netx recognises', async () => {
      const ns = `${NS}-baseline`;
      expect(lab.kubectl(['create', 'namespace', ns]).status).toBe(0);
      try {
        expect(lab.kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=baseline']).status).toBe(0);
        waitForDefaultServiceAccount(lab, ns);
        fake.objects.set('namespaces', [...(fake.objects.get('namespaces') ?? []), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } }]);
        const pod = probePodSpec('node-1', defaultProbeOptions({ namespace: ns }), new Date());
        const { real: r, fake: f } = await both({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: pod });
        expect(r['status']).toBe(403);
        expect(f).toEqual(r);
      } finally {
        lab.kubectl(['delete', 'namespace', ns, '--wait=false']);
      }
    });
  });
}

labSuites('kube-lab', suites);
