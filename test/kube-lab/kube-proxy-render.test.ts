/**
 * Real against imitation: the kernel lab's hand-written kube-proxy renderer (test/lab/kube-proxy/)
 * against the real kube-proxy of the kube-lab, for the same Services and EndpointSlices. The renderer's
 * input is built from what the real apiserver serves; its rules are loaded into a scratch network
 * namespace and listed by the same tools (iptables-save, nft -j) that list the real kube-proxy's on
 * each node, so both sides are in the kernel's own spelling. After the normalisations of
 * proxy-diff.ts (each named there), they must be identical on every node.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NFACCT_COUNTERS, renderIptables } from '../lab/kube-proxy/iptables.js';
import { renderNftables } from '../lab/kube-proxy/nftables.js';
import type { KubeProxyInput } from '../lab/kube-proxy/types.js';
import type { KubeLabContext } from './global-setup.js';
import { labClients, waitForDefaultServiceAccount, type Lab } from './live.js';
import { lineDiff, normaliseIptablesSave, normaliseNftJson } from './proxy-diff.js';
import { kubeProxyInput, type ClusterObjects } from './proxy-input.js';
import type { LabState } from './state.js';
import { labSuites } from './suites.js';

const NS = 'kl-render';

const agnhost = (name: string, node: string): string => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${NS}, labels: {app: web}}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers: [{name: main, image: netx.local/agnhost:lab, imagePullPolicy: Never, args: [netexec, --http-port=8080, --udp-port=8081]}]
`;

const service = (name: string, spec: string): string => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${NS}}
spec:
${spec}`;

/** A selector-less Service's EndpointSlice: endpoints in every condition kube-proxy distinguishes, to addresses no pod owns. */
const slice = (svc: string, ports: string, endpoints: string): string => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${svc}-1, namespace: ${NS}, labels: {kubernetes.io/service-name: ${svc}}}
addressType: IPv4
ports: ${ports}
endpoints:
${endpoints}
`;

/**
 * What kube-proxy distinguishes: ClusterIP with endpoints on both nodes (TCP and UDP, named ports),
 * NodePort with externalTrafficPolicy Local and ClientIP affinity, externalIPs, internalTrafficPolicy
 * Local, a NodePort without endpoints, LoadBalancers with source ranges and with Local policy (ingress
 * IPs set through the status subresource, as a cloud controller would), ready/not-ready endpoints
 * and a service whose only endpoints are terminating.
 */
const WORKLOAD = [
  agnhost('web-0', 'node-1'),
  agnhost('web-1', 'node-2'),
  agnhost('web-2', 'node-2'),
  service('web', '  selector: {app: web}\n  ports:\n  - {name: http, port: 80, targetPort: 8080}\n  - {name: udp, port: 81, targetPort: 8081, protocol: UDP}\n'),
  service('web-local', '  type: NodePort\n  externalTrafficPolicy: Local\n  sessionAffinity: ClientIP\n  selector: {app: web}\n  ports:\n  - {port: 80, targetPort: 8080}\n'),
  service('web-ext', '  type: NodePort\n  externalIPs: [10.78.0.100]\n  selector: {app: web}\n  ports:\n  - {name: http, port: 8000, targetPort: 8080}\n'),
  service('itp-local', '  internalTrafficPolicy: Local\n  selector: {app: web}\n  ports:\n  - {port: 82, targetPort: 8080}\n'),
  service('empty', '  type: NodePort\n  selector: {app: nothing}\n  ports:\n  - {port: 83, targetPort: 8080}\n'),
  service('lb', '  type: LoadBalancer\n  loadBalancerSourceRanges: [10.78.0.0/24, 192.0.2.0/24]\n  selector: {app: web}\n  ports:\n  - {port: 84, targetPort: 8080}\n'),
  service('lb-local', '  type: LoadBalancer\n  externalTrafficPolicy: Local\n  selector: {app: web}\n  ports:\n  - {port: 87, targetPort: 8080}\n'),
  service('manual', '  ports:\n  - {name: a, port: 85, targetPort: 9000}\n  - {name: b, port: 86, targetPort: 9001}\n'),
  slice(
    'manual',
    '[{name: a, port: 9000, protocol: TCP}, {name: b, port: 9001, protocol: TCP}]',
    [
      '- {addresses: [10.245.200.1], nodeName: node-1, conditions: {ready: true}}',
      '- {addresses: [10.245.200.2], nodeName: node-2, conditions: {ready: false}}',
      '- {addresses: [10.245.200.3], nodeName: node-2, conditions: {ready: false, serving: true, terminating: true}}',
      '- {addresses: [10.245.200.10], nodeName: node-2, conditions: {ready: true}}',
    ].join('\n'),
  ),
  service('draining', '  ports:\n  - {port: 88, targetPort: 9000}\n'),
  slice(
    'draining',
    '[{port: 9000, protocol: TCP}]',
    [
      '- {addresses: [10.245.201.1], nodeName: node-1, conditions: {ready: false, serving: true, terminating: true}}',
      '- {addresses: [10.245.201.2], nodeName: node-2, conditions: {ready: false, serving: false, terminating: true}}',
    ].join('\n'),
  ),
].join('---\n');

const LB_INGRESS: Record<string, string> = { lb: '10.78.0.200', 'lb-local': '10.78.0.201' };

const sh = (argv: string[], input?: string): string => {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', input, timeout: 60_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
};

function clusterObjects(lab: Lab): ClusterObjects {
  const items = <T>(resource: string): T[] => (JSON.parse(lab.kubectl(['get', resource, '-A', '-o', 'json']).stdout) as { items: T[] }).items;
  const conf = lab.kubectl(['-n', 'kube-system', 'get', 'configmap', 'kube-proxy', '-o', 'jsonpath={.data.config\\.conf}']).stdout;
  return {
    services: items('services'),
    endpointSlices: items('endpointslices'),
    nodes: items('nodes'),
    serviceCIDRs: items<{ spec: { cidrs: string[] } }>('servicecidrs').flatMap((s) => s.spec.cidrs),
    clusterCIDR: /^clusterCIDR: (\S+)$/m.exec(conf)?.[1] ?? '',
  };
}

/** The renderer's rules for one node, loaded into the scratch namespace and listed as the node's are. */
function renderedNormalForm(scratch: string, mode: string, input: KubeProxyInput): string[] {
  const inScratch = (argv: string[], stdin?: string): string => sh(['ip', 'netns', 'exec', scratch, ...argv], stdin);
  if (mode === 'nftables') {
    inScratch(['nft', '-f', '-'], renderNftables(input, { layout: 'v1.37' }));
    return normaliseNftJson(inScratch(['nft', '-j', 'list', 'table', 'ip', 'kube-proxy']));
  }
  inScratch(['iptables-restore'], renderIptables(input));
  return normaliseIptablesSave(inScratch(['iptables-save']));
}

const realNormalForm = (lab: Lab, node: string, mode: string): string[] =>
  mode === 'nftables'
    ? normaliseNftJson(lab.onNode(node, ['nft', '-j', 'list', 'table', 'ip', 'kube-proxy']).stdout)
    : normaliseIptablesSave(lab.onNode(node, ['iptables-save']).stdout);

function suites(ctx: KubeLabContext, state: LabState): void {
  const lab = labClients(ctx, state);
  const scratch = `netx-rdiff-${process.pid}-${randomBytes(3).toString('hex')}`;

  beforeAll(() => {
    sh(['ip', 'netns', 'add', scratch]);
    for (const c of NFACCT_COUNTERS) sh(['ip', 'netns', 'exec', scratch, 'nfacct', 'add', c]);
    expect(lab.kubectl(['create', 'namespace', NS]).status).toBe(0);
    waitForDefaultServiceAccount(lab, NS);
    const applied = lab.kubectl(['apply', '-f', '-'], WORKLOAD);
    expect(applied.status, applied.stderr).toBe(0);
    for (const [svc, ip] of Object.entries(LB_INGRESS)) {
      const patch = JSON.stringify({ status: { loadBalancer: { ingress: [{ ip }] } } });
      const r = lab.kubectl(['-n', NS, 'patch', 'service', svc, '--subresource=status', '--type=merge', '-p', patch]);
      expect(r.status, r.stderr).toBe(0);
    }
    const ready = lab.kubectl(['-n', NS, 'wait', '--for=condition=Ready', 'pod', '--all', '--timeout=120s'], undefined, 130_000);
    expect(ready.status, ready.stderr).toBe(0);
  }, 180_000);

  afterAll(() => {
    spawnSync('ip', ['netns', 'del', scratch]);
    lab.kubectl(['delete', 'namespace', NS, '--wait=true', '--timeout=60s'], undefined, 70_000);
  }, 90_000);

  describe(`the lab's kube-proxy renderer against the real kube-proxy (${ctx.proxyMode} mode)`, () => {
    for (const node of state.plan.nodes.map((n) => n.name)) {
      it(`renders exactly the rules the real kube-proxy wrote on ${node}, normalised`, async () => {
        // kube-proxy syncs asynchronously after the objects change: compare until it has caught up. A sync that
        // failed (iptables-restore meeting the xtables lock kube-router holds, on a loaded machine) is retried only
        // after kube-proxy's syncPeriod (30 s by default), so the wait spans more than one of those.
        let last = { real: [] as string[], rendered: [] as string[] };
        for (const until = Date.now() + 75_000; Date.now() < until; ) {
          const input = kubeProxyInput(clusterObjects(lab), node);
          last = { real: realNormalForm(lab, node, ctx.proxyMode), rendered: renderedNormalForm(scratch, ctx.proxyMode, input) };
          if (last.real.join('\n') === last.rendered.join('\n')) break;
          await new Promise((r) => setTimeout(r, 1000));
        }
        const { onlyReal, onlyRendered } = lineDiff(last.real, last.rendered);
        expect({ onlyReal, onlyRendered }).toEqual({ onlyReal: [], onlyRendered: [] });
        expect(last.rendered).toEqual(last.real);
        // Not vacuous: every service of the workload is in what was compared.
        for (const svc of ['web', 'web-local', 'web-ext', 'itp-local', 'empty', 'lb', 'lb-local', 'manual', 'draining']) {
          expect(last.real.some((l) => l.includes(`${NS}/${svc}`)), svc).toBe(true);
        }
      });
    }
  });
}

labSuites('kube-lab', suites);
