/**
 * netx's traces against what the kube-lab's pods and kernel do. For each path, the pods say whether a
 * connection got through (agnhost connect from the client pod, netexec /hostname), the nodes' conntrack
 * tables say where it went and with which source, and kube-proxy's own rules say the odds; netx's
 * `trace -o json` must predict all of it, live and again offline from its own `collect` snapshot.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, runCliAsync } from '../support/cli.js';
import type { KubeLabContext } from './global-setup.js';
import { conntrackTo, connectFrom, labClients, proxyOdds, proxyRules, type ConnectOutcome, type Lab, type Result } from './live.js';
import { SWITCH_IP } from './plan.js';
import type { LabState } from './state.js';
import { labSuites } from './suites.js';

const NS = 'kl-trace';
const NODE_PORT = 30080;
const LIVE_REPORT = path.join(tmpdir(), 'netx-kube-lab-traces.txt');

const agnhost = (name: string, node: string, args: string[], labels: Record<string, string> = {}, image = 'netx.local/agnhost:lab'): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels },
    spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image, imagePullPolicy: 'Never', args }] },
  });
const service = (name: string, selector: Record<string, string>, type = 'ClusterIP', nodePort?: number): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { type, selector, ports: [{ name: 'http', port: 80, targetPort: 8080, ...(nodePort ? { nodePort } : {}) }] } });

const NETEXEC = ['netexec', '--http-port=8080'];
const WORKLOAD = [
  JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }),
  agnhost('web-0', 'node-1', NETEXEC, { app: 'web' }),
  agnhost('web-1', 'node-2', NETEXEC, { app: 'web' }),
  agnhost('web-2', 'node-2', NETEXEC, { app: 'web' }),
  agnhost('locked', 'node-2', NETEXEC, { app: 'locked' }),
  agnhost('client', 'node-1', ['pause']),
  agnhost('debug', 'node-1', ['sleep', 'infinity'], {}, 'netx.local/netx-debug:lab'),
  service('web', { app: 'web' }),
  service('web-np', { app: 'web' }, 'NodePort', NODE_PORT),
  service('empty', { app: 'nobody' }),
  JSON.stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'deny-locked', namespace: NS },
    spec: { podSelector: { matchLabels: { app: 'locked' } }, policyTypes: ['Ingress'] },
  }),
].join('\n---\n');

interface Packet {
  saddr: string;
  daddr: string;
  dport?: number;
  oif?: string;
}
interface Step {
  kind: string;
  summary: string;
  rule?: string;
  verdict?: string;
  detail?: Record<string, unknown>;
  tunnel?: { type: string; remoteNode?: string };
}
interface Branch {
  probability: number;
  disposition: string;
  reason: string;
  endpoint?: { ip: string; port: number; pod?: string };
  endpoints?: { ip: string; port: number; pod?: string; probability: number }[];
  hops: { node: string; steps: Step[] }[];
  final?: Packet;
}
interface TraceJson {
  disposition: string;
  branches: Branch[];
  findings: { code: string; message: string }[];
}

/**
 * kube-router names its pod and policy chains after a sync version, and resyncs on every pod change (the
 * probe pods too): between a live trace and a later collect the same rule sits in a renamed chain, at
 * another line.
 */
const kubeRouterNeutral = (text: string): string => text.replace(/\b(KUBE-(?:POD-FW|NWPLCY)-)\w+ line \d+/g, '$1… line …');

/** What a trace says, in the terms both the live and the offline run must agree on. */
const verdictOf = (t: TraceJson): unknown => ({
  disposition: t.disposition,
  branches: t.branches
    .map((b) => ({ disposition: b.disposition, reason: kubeRouterNeutral(b.reason), endpoint: b.endpoint, probability: b.probability.toFixed(9), saddr: b.final?.saddr }))
    .sort((a, b) => `${a.endpoint?.ip}`.localeCompare(`${b.endpoint?.ip}`)),
});

const stepsOf = (b: Branch): Step[] => b.hops.flatMap((h) => h.steps);

function traceSuites(lab: KubeLabContext, state: LabState): void {
  const k: Lab = labClients(lab, state);
  const ips = new Map<string, string>();
  const svcIps = new Map<string, string>();
  const home = mkdtempSync(path.join(tmpdir(), 'netx-kube-lab-traces-'));
  const snapshot = path.join(home, 'lab.snapshot.json');
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: lab.kubeconfig, NO_COLOR: '1' };
  const report: string[] = [];
  /** Every live trace, by its arguments, for the offline comparison. */
  const live = new Map<string, TraceJson>();

  const netx = async (args: string[]): Promise<Result> => {
    const r = await runCliAsync(args, env);
    report.push(`$ kubectl netx ${args.join(' ')}\n(exit ${r.status})\n${r.stdout.slice(0, 4000)}${r.stderr ? `--- stderr\n${r.stderr}` : ''}`);
    writeFileSync(LIVE_REPORT, `${report.join('\n\n')}\n`);
    return r;
  };
  const trace = async (src: string, dst: string): Promise<TraceJson> => {
    const args = ['trace', src, dst, '-n', NS, '-o', 'json'];
    const r = await netx([...args, '--image', 'netx.local/netx-debug:lab']);
    expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect([0, 3], r.stderr).toContain(r.status);
    const t = JSON.parse(r.stdout) as TraceJson;
    live.set(args.join(' '), t);
    return t;
  };
  const connect = (target: string): ConnectOutcome => connectFrom(k, NS, 'client', target);
  /** The addresses the EndpointSlices of a service list as ready, with the target port. */
  const readyEndpoints = (svc: string): string[] => {
    const slices = JSON.parse(k.kubectl(['-n', NS, 'get', 'endpointslices', '-l', `kubernetes.io/service-name=${svc}`, '-o', 'json']).stdout) as {
      items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[]; ports?: { port: number }[] }[];
    };
    return slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses.flatMap((a) => (s.ports ?? []).map((p) => `${a}:${p.port}`)))).sort();
  };
  const endpointsOf = (t: TraceJson): string[] => t.branches.flatMap((b) => (b.endpoints ?? []).map((e) => `${e.ip}:${e.port}`)).sort();

  beforeAll(() => {
    ensureBuilt();
    const applied = k.kubectl(['apply', '-f', '-'], WORKLOAD);
    expect(applied.status, applied.stderr).toBe(0);
    const ready = k.kubectl(['-n', NS, 'wait', '--for=condition=Ready', 'pod', '--all', '--timeout=120s'], undefined, 130_000);
    expect(ready.status, ready.stderr).toBe(0);
    const pods = JSON.parse(k.kubectl(['-n', NS, 'get', 'pods', '-o', 'json']).stdout) as { items: { metadata: { name: string }; status: { podIP: string } }[] };
    for (const p of pods.items) ips.set(p.metadata.name, p.status.podIP);
    for (const s of ['web', 'web-np', 'empty']) svcIps.set(s, k.kubectl(['-n', NS, 'get', 'svc', s, '-o', 'jsonpath={.spec.clusterIP}']).stdout.trim());
    // kube-proxy and kube-router write their rules a moment after the objects appear.
    for (let i = 0; i < 30 && !readyEndpoints('web').every((e) => proxyRules(k, 'node-1', lab.proxyMode).includes(e)); i++) k.onNode('node-1', ['sleep', '1']);
  }, 180_000);

  describe('netx trace predicts what the kube-lab’s pods and kernel do', { timeout: 120_000 }, () => {
    it('pod → pod on the same node: delivered on node-1 only, source kept (conntrack)', async () => {
      const web0 = ips.get('web-0') as string;
      expect(connect(`${web0}:8080`)).toBe('connected');
      const t = await trace('client', 'web-0:8080');
      expect(t.disposition).toBe('delivered');
      const [b] = t.branches;
      expect(b?.endpoint?.pod).toBe(`${NS}/web-0`);
      expect(b?.hops.map((h) => h.node)).toEqual(['node-1']);
      const seen = conntrackTo(k, 'node-1', web0).filter((e) => e.orig.dport === '8080');
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.map((e) => e.orig.src)).toContain(b?.final?.saddr);
    });

    it('pod → pod across nodes: through flannel’s VXLAN to node-2, source kept (conntrack on node-2)', async () => {
      const web1 = ips.get('web-1') as string;
      expect(connect(`${web1}:8080`)).toBe('connected');
      expect(k.exec(NS, 'debug', ['curl', '-fsS', '-m', '5', `http://${web1}:8080/hostname`]).stdout).toBe('web-1');
      const t = await trace('client', 'web-1:8080');
      expect(t.disposition).toBe('delivered');
      const [b] = t.branches as [Branch];
      expect(b.endpoint?.pod).toBe(`${NS}/web-1`);
      expect(b.hops.map((h) => h.node)).toEqual(['node-1', 'node-2']);
      const encap = stepsOf(b).find((s) => s.kind === 'encap');
      expect(encap?.tunnel).toMatchObject({ type: 'vxlan', remoteNode: 'node-2' });
      const onNode2 = conntrackTo(k, 'node-2', web1).filter((e) => e.orig.dport === '8080').map((e) => e.orig.src);
      expect(onNode2).toContain(ips.get('client'));
      expect(b.final?.saddr).toBe(ips.get('client'));
    });

    it('pod → ClusterIP with 3 endpoints on 2 nodes: the ready addresses, at kube-proxy’s odds, where conntrack saw them go', async () => {
      const cip = svcIps.get('web') as string;
      for (let i = 0; i < 9; i++) expect(connect(`${cip}:80`)).toBe('connected');
      const t = await trace('client', 'svc/web:80');
      expect(t.disposition).toBe('delivered');
      const ready = readyEndpoints('web');
      expect(ready).toHaveLength(3);
      expect(endpointsOf(t)).toEqual(ready);
      const odds = proxyOdds(proxyRules(k, 'node-1', lab.proxyMode), lab.proxyMode, `${NS}/web`, 'http');
      expect([...odds.keys()].sort()).toEqual(ready);
      for (const e of t.branches.flatMap((b) => b.endpoints ?? [])) expect(e.probability, `${e.ip}`).toBeCloseTo(odds.get(`${e.ip}:${e.port}`) as number, 9);
      // Where the kernel sent them: the reply source of each connection is an endpoint netx named.
      const replied = new Set(conntrackTo(k, 'node-1', cip).map((e) => `${e.reply.src}:8080`));
      expect(replied.size).toBeGreaterThan(0);
      for (const r of replied) expect(ready).toContain(r);
      const hostnames = new Set(Array.from({ length: 8 }, () => k.exec(NS, 'debug', ['curl', '-fsS', '-m', '5', `http://${cip}/hostname`]).stdout));
      const pods = t.branches.map((b) => b.endpoint?.pod?.split('/')[1]);
      for (const h of hostnames) expect(pods).toContain(h);
    });

    it('NodePort from a host outside the cluster: the endpoints it reaches and the source each pod sees', async () => {
      const node1 = state.plan.nodes.find((n) => n.name === 'node-1')?.ip as string;
      for (let i = 0; i < 9; i++) {
        const got = k.onSwitch(['curl', '-fsS', '-m', '5', `http://${node1}:${NODE_PORT}/hostname`]).stdout;
        expect(['web-0', 'web-1', 'web-2']).toContain(got);
      }
      const t = await trace(`external:${SWITCH_IP}`, `node/node-1:${NODE_PORT}`);
      expect(t.disposition).toBe('delivered');
      expect(endpointsOf(t)).toEqual(readyEndpoints('web-np'));
      // conntrack on node-1: per connection, the endpoint it went to and the source that endpoint saw.
      const predicted = new Map(t.branches.map((b) => [b.endpoint?.ip, b.final?.saddr]));
      const entries = conntrackTo(k, 'node-1', node1).filter((e) => e.orig.dport === String(NODE_PORT) && e.orig.src === SWITCH_IP);
      expect(entries.length).toBeGreaterThan(0);
      for (const e of entries) expect(predicted.get(e.reply.src), `to ${e.reply.src}`).toBe(e.reply.dst);
    });

    it('a Service without endpoints: netx predicts what the kernel did to the connection', async () => {
      const ip = svcIps.get('empty') as string;
      const outcome = connect(`${ip}:80`);
      const t = await trace('client', 'svc/empty:80');
      expect(t.findings.map((f) => f.code)).toContain('no-ready-endpoints');
      const [b] = t.branches as [Branch];
      if (outcome === 'refused') {
        expect(t.disposition).toBe('rejected');
      } else {
        // The connection timed out: netx must not have it delivered or rejected. When netx has the packet
        // leave the cluster, conntrack shows it left, with the source netx said it would carry.
        expect(outcome).toBe('timeout');
        expect(['dropped', 'insufficient-info', 'egress']).toContain(t.disposition);
        if (t.disposition !== 'dropped') {
          const left = conntrackTo(k, 'node-1', ip).filter((e) => e.orig.src === ips.get('client'));
          expect(left.length).toBeGreaterThan(0);
          expect(left.every((e) => e.unreplied && e.reply.dst === b.final?.saddr), JSON.stringify(left)).toBe(true);
        }
      }
    });

    it('a NetworkPolicy deny enforced by kube-router: the connection fails as netx says, in the chain and policy it names', async () => {
      const outcome = connect(`${ips.get('locked')}:8080`);
      const t = await trace('client', 'locked:8080');
      expect(t.disposition).toBe(outcome === 'refused' ? 'rejected' : 'dropped');
      const [b] = t.branches as [Branch];
      // kube-router renames its pod chains on every sync: the rule is compared without its chain's name.
      const verdict = stepsOf(b).find((s) => /^(reject|drop)/.test(s.verdict ?? ''));
      expect(verdict?.rule, b.reason).toMatch(new RegExp(`^-A KUBE-POD-FW-\\w+ .*POD name:locked namespace: ${NS}`));
      expect(b.hops.at(-1)?.node).toBe('node-2');
      const unnamed = (rule: string): string => rule.replace(/^-A KUBE-POD-FW-\w+ /, '-A KUBE-POD-FW ');
      const filter = k.onNode('node-2', ['iptables-save', '-t', 'filter']).stdout.split('\n').map(unnamed);
      expect(filter).toContain(unnamed(verdict?.rule ?? ''));
      const policyStep = stepsOf(b).find((s) => s.kind === 'note' && s.summary.startsWith('NetworkPolicy:'));
      expect(policyStep?.detail).toMatchObject({ ingress: 'denied', ingressPolicies: `${NS}/deny-locked` });
      expect(policyStep?.summary).toMatch(/enforced by kube-router/);
    });
  });

  describe('netx cidr, proxy-mode and policy against what the cluster and its nodes say', { timeout: 120_000 }, () => {
    it('cidr: flannel’s network, node IPAM’s podCIDRs and the ServiceCIDR object', async () => {
      const r = await netx(['cidr', '-o', 'json']);
      expect(r.status, r.stderr).toBe(0);
      const c = JSON.parse(r.stdout) as { clusterCidrs: { ranges: { cidr: string }[] }; serviceCidrs: { ranges: { cidr: string }[] }; cni: { name: string }; nodes: { name: string; podCIDRs: { cidr: string }[] }[] };
      const flannelNetwork = /^FLANNEL_NETWORK=(\S+)$/m.exec(k.onNode('node-1', ['cat', '/run/flannel/subnet.env']).stdout)?.[1];
      expect(c.clusterCidrs.ranges.map((x) => x.cidr)).toEqual([flannelNetwork]);
      const serviceCidrs = JSON.parse(k.kubectl(['get', 'servicecidrs', '-o', 'json']).stdout) as { items: { spec: { cidrs: string[] } }[] };
      expect(c.serviceCidrs.ranges.map((x) => x.cidr).sort()).toEqual(serviceCidrs.items.flatMap((x) => x.spec.cidrs).sort());
      expect(c.cni.name).toBe('flannel');
      for (const node of state.plan.nodes) {
        const podCidr = k.kubectl(['get', 'node', node.name, '-o', 'jsonpath={.spec.podCIDR}']).stdout;
        expect(c.nodes.find((n) => n.name === node.name)?.podCIDRs.map((x) => x.cidr)).toEqual([podCidr]);
      }
    });

    it('proxy-mode: the ConfigMap’s mode, each node’s kube-proxy /proxyMode, and agreement', async () => {
      const r = await netx(['proxy-mode', '--image', 'netx.local/netx-debug:lab', '-o', 'json']);
      expect(r.status, r.stderr).toBe(0);
      const pm = JSON.parse(r.stdout) as { configured: { mode: string }; agreement: { kind: string }; nodes: { node: string; effective: { mode?: string } }[] };
      const conf = /^mode: (\S+)$/m.exec(k.kubectl(['-n', 'kube-system', 'get', 'configmap', 'kube-proxy', '-o', 'jsonpath={.data.config\\.conf}']).stdout)?.[1];
      expect(pm.configured.mode).toBe(conf);
      for (const node of state.plan.nodes) {
        const said = k.onNode(node.name, ['curl', '-fsS', 'http://127.0.0.1:10249/proxyMode']).stdout;
        expect(pm.nodes.find((n) => n.node === node.name)?.effective.mode, node.name).toBe(said);
      }
      expect(pm.agreement.kind).toBe('agree');
    });

    it('policy: the deny the pods meet and the allow they pass, enforced by kube-router', async () => {
      const verdict = async (dst: string): Promise<{ verdict: string; enforcement: { kind: string; engines: unknown[] } }> => {
        const r = await netx(['policy', 'client', dst, '-n', NS, '--port', '8080', '--image', 'netx.local/netx-debug:lab', '-o', 'json']);
        expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
        return JSON.parse(r.stdout) as { verdict: string; enforcement: { kind: string; engines: unknown[] } };
      };
      const denied = await verdict('locked');
      expect(connect(`${ips.get('locked')}:8080`)).not.toBe('connected');
      expect(denied.verdict).toBe('denied');
      expect(denied.enforcement.kind).toBe('enforcing');
      expect(JSON.stringify(denied.enforcement.engines)).toMatch(/kube-router/);
      expect(connect(`${ips.get('web-0')}:8080`)).toBe('connected');
      expect((await verdict('web-0')).verdict).toBe('allowed');
    });
  });

  describe('netx collect, then the same traces offline', { timeout: 120_000 }, () => {
    it('gives the same answers from its snapshot as live', async () => {
      const c = await netx(['collect', '-o', snapshot, '--image', 'netx.local/netx-debug:lab']);
      expect(c.status, c.stderr).toBe(0);
      expect(live.size).toBeGreaterThanOrEqual(6);
      for (const [args, t] of live) {
        const r = await netx([...args.split(' '), '--snapshot', snapshot]);
        expect([0, 3], r.stderr).toContain(r.status);
        expect(verdictOf(JSON.parse(r.stdout) as TraceJson), args).toEqual(verdictOf(t));
      }
    });
  });

  describe('a SIGKILLed netx, then cleanup', { timeout: 240_000 }, () => {
    /** Short enough to watch the cluster reap, long enough for one --probe-timeout wait. */
    const DEADLINE_S = 45;
    it('leaves probe pods the cluster stops and removes by itself at their deadline (anchor Job, TTL, garbage collector); cleanup keeps them until then', async () => {
      type Probe = { metadata: { name: string; ownerReferences?: { kind: string; name: string }[] }; spec: { activeDeadlineSeconds?: number }; status: { phase?: string; reason?: string } };
      const probes = (): Probe[] => (JSON.parse(k.kubectl(['get', 'pods', '-A', '-l', 'app.kubernetes.io/managed-by=kubectl-netx', '-o', 'json']).stdout) as { items: Probe[] }).items;
      type Job = { metadata: { name: string }; spec: { activeDeadlineSeconds?: number; ttlSecondsAfterFinished?: number }; status: { conditions?: { type: string; status: string; reason?: string }[] } };
      const jobs = (): Job[] => (JSON.parse(k.kubectl(['get', 'jobs', '-A', '-l', 'app.kubernetes.io/managed-by=kubectl-netx', '-o', 'json']).stdout) as { items: Job[] }).items;
      const probeArgs = ['--image', 'netx.local/netx-debug:lab', '--probe-deadline', `${DEADLINE_S}s`, '--probe-timeout', '30s'];
      const child = spawn(BIN, ['trace', 'client', 'web-1:8080', '-n', NS, ...probeArgs], { env, stdio: 'ignore' });
      for (let i = 0; i < 120 && probes().length === 0; i++) await sleep(250);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const killedAt = Date.now();
      const left = probes();
      expect(left.length).toBeGreaterThan(0);
      for (const p of left) {
        expect(p.spec.activeDeadlineSeconds).toBe(DEADLINE_S);
        const owner = p.metadata.ownerReferences?.find((o) => o.kind === 'Job');
        expect(owner, p.metadata.name).toBeDefined();
        const job = jobs().find((j) => j.metadata.name === owner?.name);
        expect(job?.spec.activeDeadlineSeconds).toBe(DEADLINE_S);
        expect(job?.spec.ttlSecondsAfterFinished).toBe(0);
      }
      const kept = await netx(['cleanup']);
      expect(kept.status, kept.stderr).toBe(0);
      expect(probes().length).toBe(left.length);

      // Nobody deletes anything now: the kubelet stops the pods at their deadline, the Job controller
      // fails the anchor (DeadlineExceeded), the TTL controller deletes it, the garbage collector its pods.
      const seen = { podsEnded: new Set<string>(), jobFailed: '', podsGoneAfterS: -1, jobGoneAfterS: -1 };
      for (let until = killedAt + (DEADLINE_S + 120) * 1000; Date.now() < until; await sleep(1000)) {
        const pods = probes();
        const anchors = jobs();
        for (const p of pods) if (p.status.phase === 'Failed' || p.status.phase === 'Succeeded') seen.podsEnded.add(`${p.status.phase}${p.status.reason ? `/${p.status.reason}` : ''}`);
        for (const j of anchors) for (const c of j.status.conditions ?? []) if (c.type === 'Failed' && c.status === 'True') seen.jobFailed = c.reason ?? 'Failed';
        const after = Math.round((Date.now() - killedAt) / 1000);
        if (pods.length === 0 && seen.podsGoneAfterS < 0) seen.podsGoneAfterS = after;
        if (anchors.length === 0 && seen.jobGoneAfterS < 0) seen.jobGoneAfterS = after;
        if (pods.length === 0 && anchors.length === 0) break;
      }
      console.log(`reaped without netx: ${JSON.stringify({ ...seen, podsEnded: [...seen.podsEnded] })}`);
      expect(seen.podsGoneAfterS, 'probe pods removed by the cluster').toBeGreaterThan(0);
      expect(seen.jobGoneAfterS, 'anchor Job removed by the cluster').toBeGreaterThan(0);
      // Not before their deadline (counted from their start, a little after the kill's moment).
      expect(seen.podsGoneAfterS).toBeGreaterThanOrEqual(DEADLINE_S - 10);

      // A second killed run with the default deadline (10 minutes): `cleanup --all` removes its pods and Job now.
      const again = spawn(BIN, ['trace', 'client', 'web-1:8080', '-n', NS, '--image', 'netx.local/netx-debug:lab'], { env, stdio: 'ignore' });
      for (let i = 0; i < 120 && probes().length === 0; i++) await sleep(250);
      again.kill('SIGKILL');
      await new Promise((resolve) => again.once('exit', resolve));
      expect(probes().length).toBeGreaterThan(0);
      expect(probes().every((p) => p.spec.activeDeadlineSeconds === 600)).toBe(true);
      const all = await netx(['cleanup', '--all']);
      expect(all.status, all.stderr).toBe(0);
      for (let i = 0; i < 60 && probes().length > 0; i++) await sleep(500);
      expect(probes()).toEqual([]);
      expect(jobs()).toEqual([]);
    });
  });
}

labSuites('kube-lab traces', traceSuites);
