/**
 * kube-proxy ipvs mode on the real kernel, as far as it goes without IPVS (the standard vxlan cluster): the kernel
 * accepts the renderer's ipsets and iptables rules (a check of their syntax) and reads them back with kube-proxy's
 * chains and sets; kube-ipvs0 holds every service address as /32, DOWN, with the local routes; kubelet's and
 * flannel's rules survive the no-flush restore; a ClusterIP port no virtual server has is rejected by
 * KUBE-IPVS-FILTER (the kernel's counter says which rule). The dump's ipvs key is the rendered text, said so.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { decodeDumpStdout } from '../../src/snapshot/dump-encoding.js';
import { parseSnapshot, serializeSnapshot } from '../../src/snapshot/io.js';
import { buildLab, type Lab } from './build.js';
import { dumpLab } from './dump.js';
import { inNs, run } from './exec.js';
import { IPVS_LINK, ipvsState } from './ipvs-load.js';
import { requireLab } from './support.js';
import { IPS, standardSpec } from './topologies.js';

describe('kube-proxy ipvs mode on the kernel (vxlan, no IPVS: everything but the virtual servers)', () => {
  let lab: Lab | undefined;
  const built = async (ctx: Parameters<typeof requireLab>[0]): Promise<Lab> => {
    requireLab(ctx);
    lab ??= await buildLab({ ...standardSpec('vxlan', 'ipvs'), name: 'vxlan-ipvs-load' });
    return lab;
  };
  afterAll(async () => {
    await lab?.teardown();
  });
  const out = async (l: Lab, node: string, argv: string[]): Promise<string> => (await l.inNode(node, argv)).stdout;

  it('the kernel takes the ipsets and rules and reads back kube-proxy\'s chains and sets, with kubelet\'s and flannel\'s rules kept', async (ctx) => {
    const l = await built(ctx);
    for (const node of ['node-a', 'node-b']) {
      const sets = await out(l, node, ['ipset', 'save']);
      expect(sets).toMatch(/^create KUBE-CLUSTER-IP hash:ip,port /m);
      expect(sets).toContain(`add KUBE-CLUSTER-IP ${IPS.web},tcp:80`);
      expect(sets).toContain(`add KUBE-CLUSTER-IP ${IPS.web},udp:53`);
      expect(sets).toContain(`add KUBE-CLUSTER-IP ${IPS.ghost},tcp:80`);
      expect(sets).toContain(`add KUBE-IPVS-IPS ${IPS.web}`);
      expect(sets).toMatch(/^add KUBE-NODE-PORT-TCP 30080/m);
      expect(sets).toMatch(/^add KUBE-LOOP-BACK 10\.244\.1\.10,tcp:8080,10\.244\.1\.10/m);
      const save = await out(l, node, ['iptables-save']);
      for (const chain of ['KUBE-IPVS-FILTER', 'KUBE-IPVS-OUT-FILTER', 'KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ', 'KUBE-NODE-PORT', 'KUBE-FORWARD']) {
        expect(save, `${node} ${chain}`).toContain(`:${chain} - [`);
      }
      // iptables-save prints the address match first, wherever the rule had it.
      expect(save).toContain('-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ');
      expect(save).toContain('-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT');
      expect(save).toContain('-A INPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-FILTER');
      // The no-flush restore kept what kubelet and flanneld add beside kube-proxy.
      expect(save).toContain(':KUBE-KUBELET-CANARY - [');
      expect(save).toContain('-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG');
      expect(save).toContain('-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD');
      // No iptables-mode service chains.
      expect(save).not.toMatch(/KUBE-SVC-|KUBE-SEP-/);
    }
  });

  it('kube-ipvs0 holds every service address as /32, stays DOWN, and makes them local', async (ctx) => {
    const l = await built(ctx);
    const addrs = JSON.parse(await out(l, 'node-a', ['ip', '-j', 'addr', 'show', 'dev', IPVS_LINK])) as { operstate: string; flags: string[]; addr_info: { local: string; prefixlen: number }[] }[];
    expect(addrs[0]!.flags).not.toContain('UP');
    expect(addrs[0]!.addr_info.map((a) => `${a.local}/${a.prefixlen}`).sort()).toEqual(Object.values(IPS).map((ip) => `${ip}/32`).sort());
    const route = await out(l, 'node-a', ['ip', 'route', 'get', IPS.web]);
    expect(route).toMatch(new RegExp(`^local ${IPS.web.replace(/\./g, '\\.')} dev lo`));
  });

  it('a new connection to a ClusterIP port no virtual server has is rejected by KUBE-IPVS-FILTER (its REJECT counter counts it)', async (ctx) => {
    const l = await built(ctx);
    const rejects = async (): Promise<number> => {
      const list = await out(l, 'node-a', ['iptables', '-t', 'filter', '-L', 'KUBE-IPVS-FILTER', '-v', '-n', '-x']);
      const line = list.split('\n').find((x) => /REJECT/.test(x));
      return Number(line?.trim().split(/\s+/)[0] ?? NaN);
    };
    const before = await rejects();
    const client = l.podNs('client');
    const r = await run(inNs(client, ['socat', '-T1', '-', `TCP:${IPS.web}:81,connect-timeout=1`]), { check: false, input: '' });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/Connection refused/);
    expect(await rejects()).toBe(before + 1);
  });

  it('the dump: the probe read the kernel\'s ipsets, rules and kube-ipvs0; the ipvs key is the rendered ipvsadm -Sn, and the description says so', async (ctx) => {
    const l = await built(ctx);
    const snap = await dumpLab(l);
    expect(() => parseSnapshot(serializeSnapshot(snap), 'ipvs')).not.toThrow();
    expect(snap.source.description).toContain('virtual servers rendered: the lab kernel has no IPVS');
    const a = snap.nodes['node-a']!;
    expect(a.dumps.ipvs).toMatchObject({ argv: ['ipvsadm', '-Sn'], exitCode: 0, stdout: ipvsState(l, 'node-a').ipvsadm });
    expect(a.probe?.errors?.some((e) => e.what === 'ipvs') ?? false).toBe(false);
    const text = (key: 'ipset' | 'link'): string => {
      const d = decodeDumpStdout(a.dumps[key]!);
      return d.kind === 'text' ? d.text : d.reason;
    };
    expect(text('ipset')).toContain(`add KUBE-CLUSTER-IP ${IPS.web},tcp:80`);
    expect(text('link')).toContain(`"ifname":"${IPVS_LINK}"`);
  });
});
