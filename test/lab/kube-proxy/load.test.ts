/**
 * Kernel check of the renderers: load each mode's rules into a throwaway network namespace, read
 * them back (iptables-save / nft -j list ruleset) and send real connections through them to
 * endpoints served inside the same namespace.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inNs, run, runSync, sleep, startBackground, type Background } from '../exec.js';
import { NFACCT_COUNTERS, renderIptables } from './iptables.js';
import { renderNftables } from './nftables.js';
import { planServicePorts } from './plan.js';
import { SAMPLE_NODE_IP, sampleInput } from './sample.js';
import { syntheticServices } from './synthetic.js';

const TOOLS = ['ip', 'iptables-restore', 'iptables-save', 'nft', 'nfacct', 'socat'];
const required = process.env['NETX_REQUIRE_LAB'] === '1';

function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  for (const tool of TOOLS) if (runSync(['sh', '-c', `command -v ${tool}`]).exitCode !== 0) missing.push(tool);
  return missing;
}
const missing = missingPrerequisites();

/**
 * A server bound to one endpoint address that answers with the pod name. UDP uses a one-socket node
 * process: socat's UDP fork mode hands datagrams to children that can swallow them.
 */
function serverArgv(protocol: string, ip: string, port: number, pod: string): string[] {
  if (protocol !== 'udp') return ['socat', `TCP-LISTEN:${port},bind=${ip},fork,reuseaddr`, `SYSTEM:echo ${pod}`];
  const js = `const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send(${JSON.stringify(pod + '\n')},r.port,r.address));s.bind(${port},'${ip}')`;
  return [process.execPath, '-e', js];
}

/** A namespace holding every sample endpoint (on one end of a veth pair; this kernel has no dummy links) with a server that answers its pod name. */
class EndpointNamespace {
  readonly name = `netx-kp-${process.pid}-${randomBytes(3).toString('hex')}`;
  private servers: Background[] = [];

  async create(): Promise<void> {
    await run(['ip', 'netns', 'add', this.name]);
    const sh = (cmd: string): Promise<unknown> => run(inNs(this.name, ['sh', '-c', cmd]));
    await sh('ip link set lo up && ip link add eps type veth peer name eps-peer && ip link set eps up && ip link set eps-peer up');
    // The node IP first, so it is the source of locally generated connections.
    await sh(`ip addr add ${SAMPLE_NODE_IP}/24 dev eps && ip route add 10.96.0.0/12 dev eps`);
    for (const plan of planServicePorts(sampleInput)) {
      for (const ep of plan.reachableEndpoints) {
        const pod = plan.service.endpoints.find((e) => e.ip === ep.ip)?.pod ?? ep.ip;
        await run(inNs(this.name, ['ip', 'addr', 'replace', `${ep.ip}/32`, 'dev', 'eps']));
        this.servers.push(startBackground(inNs(this.name, serverArgv(plan.protocol, ep.ip, ep.port, pod))));
      }
    }
    await sleep(300);
  }

  /** One request; the answering pod's name, or the connection error. */
  async ask(ip: string, port: number, udp = false): Promise<string> {
    const target = udp ? `UDP:${ip}:${port}` : `TCP:${ip}:${port},connect-timeout=2`;
    // TCP sends nothing: unread request bytes would make the server's close an RST that discards the answer.
    // -t2: after our EOF, wait up to 2 s for the answer (the default 0.5 s is short on a loaded machine).
    const r = await run(inNs(this.name, ['socat', '-t2', '-T3', '-', target]), { input: udp ? 'hi\n' : '', check: false, timeoutMs: 10_000 });
    return r.exitCode === 0 ? r.stdout.trim() : `error: ${r.stderr.trim()}`;
  }

  async destroy(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
    this.servers = [];
    runSync(['ip', 'netns', 'del', this.name]);
  }
}

/** Distinct answers over n requests. */
async function answers(ns: EndpointNamespace, ip: string, port: number, n: number, udp = false): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(await ns.ask(ip, port, udp));
  return seen;
}

/** The behaviour both modes must show for sampleInput. */
function trafficChecks(ns: () => EndpointNamespace): void {
  it('spreads ClusterIP connections over ready endpoints only', async () => {
    expect([...(await answers(ns(), '10.96.0.10', 80, 16))].sort()).toEqual(['web-1', 'web-2']);
  });
  it('reaches a NodePort through the node IP', async () => {
    expect(await ns().ask(SAMPLE_NODE_IP, 30080)).toBe('np-1');
  });
  it('keeps ClientIP affinity to one endpoint', async () => {
    expect((await answers(ns(), '10.96.0.12', 80, 8)).size).toBe(1);
  });
  it('rejects a service without endpoints', async () => {
    expect(await ns().ask('10.96.0.13', 80)).toMatch(/error: .*Connection refused/);
  });
  it('serves both ports of a multi-port service and UDP', async () => {
    expect(await ns().ask('10.96.0.14', 80)).toBe('multi-1');
    expect(await ns().ask('10.96.0.14', 9000)).toBe('multi-1');
    expect(await ns().ask('10.96.0.15', 53, true)).toBe('dns-1');
  });
}

if (required) {
  it('lab: kube-proxy renderer prerequisites are present (NETX_REQUIRE_LAB=1)', () => {
    expect(missing, `lab prerequisites missing: ${missing.join(', ')}`).toEqual([]);
  });
}

describe.skipIf(missing.length > 0)('lab: kube-proxy renderers load into the kernel', () => {
  describe('iptables mode', () => {
    const ns = new EndpointNamespace();
    beforeAll(async () => {
      await ns.create();
      for (const counter of NFACCT_COUNTERS) await run(inNs(ns.name, ['nfacct', 'add', counter]));
      await run(inNs(ns.name, ['iptables-restore']), { input: renderIptables(sampleInput) });
    });
    afterAll(() => ns.destroy());

    it('iptables-save shows every rendered chain with the same number of rules', async () => {
      const saved = (await run(inNs(ns.name, ['iptables-save']))).stdout;
      const rendered = renderIptables(sampleInput);
      const count = (text: string): Map<string, number> => {
        const m = new Map<string, number>();
        let table = '';
        for (const line of text.split('\n')) {
          if (line.startsWith('*')) table = line.slice(1);
          else if (line.startsWith(':')) m.set(`${table} ${line.slice(1).split(' ')[0]}`, m.get(`${table} ${line.slice(1).split(' ')[0]}`) ?? 0);
          else if (line.startsWith('-A ')) m.set(`${table} ${line.split(' ')[1]}`, (m.get(`${table} ${line.split(' ')[1]}`) ?? 0) + 1);
        }
        return m;
      };
      expect(count(saved)).toEqual(count(rendered));
      expect(saved).toMatch(/-m statistic --mode random --probability 0\.50000000000 -j KUBE-SEP-/);
      expect(saved).toContain('--comment "demo/empty:http has no endpoints"');
      expect(saved).toContain('-j MASQUERADE --random-fully');
    });
    trafficChecks(() => ns);
  });

  describe('nftables mode', () => {
    const ns = new EndpointNamespace();
    beforeAll(async () => {
      await ns.create();
      await run(inNs(ns.name, ['nft', '-f', '-']), { input: renderNftables(sampleInput) });
    });
    afterAll(() => ns.destroy());

    it('nft -j list ruleset shows the table, its chains and the service map', async () => {
      const json = JSON.parse((await run(inNs(ns.name, ['nft', '-j', 'list', 'ruleset']))).stdout) as { nftables: Array<Record<string, { name?: string; table?: string }>> };
      const chains = json.nftables.flatMap((o) => (o['chain']?.table === 'kube-proxy' ? [o['chain'].name] : []));
      const rendered = [...renderNftables(sampleInput).matchAll(/^add chain ip kube-proxy (\S+)/gm)].map((m) => m[1]);
      expect(chains.sort()).toEqual([...new Set(rendered)].sort());
      expect(json.nftables.some((o) => o['map']?.name === 'service-ips')).toBe(true);
    });

    it('reloading the same file replaces the table', async () => {
      await run(inNs(ns.name, ['nft', '-f', '-']), { input: renderNftables(sampleInput) });
      const listed = (await run(inNs(ns.name, ['nft', 'list', 'chain', 'ip', 'kube-proxy', 'masquerading']))).stdout;
      expect(listed.match(/masquerade fully-random/g)).toHaveLength(1);
    });
    trafficChecks(() => ns);
  });

  it('loads a synthetic 300-service cluster (large-cluster mode, affinity, UDP, NodePorts) in both modes', async () => {
    const input = syntheticServices(300, 5, 42);
    const ns = `netx-kp-${process.pid}-${randomBytes(3).toString('hex')}`;
    await run(['ip', 'netns', 'add', ns]);
    try {
      for (const counter of NFACCT_COUNTERS) await run(inNs(ns, ['nfacct', 'add', counter]));
      await run(inNs(ns, ['iptables-restore']), { input: renderIptables(input), timeoutMs: 120_000 });
      const saved = (await run(inNs(ns, ['iptables-save', '-t', 'nat']))).stdout;
      expect(saved.match(/^:KUBE-SEP-/gm)).toHaveLength(planServicePorts(input).length * 5);
      await run(inNs(ns, ['nft', '-f', '-']), { input: renderNftables(input), timeoutMs: 120_000 });
      const chains = (await run(inNs(ns, ['nft', 'list', 'chains', 'ip']))).stdout;
      expect(chains.match(/chain endpoint-/g)).toHaveLength(planServicePorts(input).length * 5);
    } finally {
      runSync(['ip', 'netns', 'del', ns]);
    }
  });
});
