/**
 * Several rule sets on one hook, on the real kernel: base chains at the same hook and priority run latest hooked
 * first (net/netfilter/core.c nf_hook_entries_grow), for iptables-legacy against iptables-nft tables and for nft
 * tables against each other, and the NAT hook's own list too (the first DNAT wins, later nat chains are skipped).
 * Each rule set is loaded in both orders into one lab; the dumps are alike either way, so netx predicts one order
 * (and says it is assumed) and gives the other as the alternative: one of the two must be what the kernel did.
 */
import { describe, expect, it } from 'vitest';
import { buildLab, reloadRules, type Lab } from './build.js';
import { dumpLab } from './dump.js';
import { inNs, run } from './exec.js';
import { observe, type Observation, type ProbeCase } from './oracle.js';
import { kubeProxyInput } from './proxy.js';
import { renderIptables } from './kube-proxy/iptables.js';
import { IPS, standardSpec } from './topologies.js';
import { nodeByName, podByName, type LabSpec } from './spec.js';
import { requireLab } from './support.js';
import { compareCase } from '../analyze/trace/oracle-compare.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { traceRequest } from '../../src/analyze/trace/index.js';
import type { Branch, Finding } from '../../src/sim/trace.js';
import type { Snapshot } from '../../src/snapshot/types.js';

const SPEC: LabSpec = (() => {
  const base = standardSpec('host-gw', 'iptables');
  return { ...base, name: 'hook-order', services: base.services.filter((s) => s.name === 'kubernetes' || s.name === 'web') };
})();

const TO_WEB: ProbeCase = { id: 'client-to-web-svc', from: 'client', to: { ip: IPS.web, port: 80, protocol: 'TCP' }, count: 24 };

interface Prediction {
  assumed: Branch[];
  alternative: Branch[];
  findings: Finding[];
}

/** netx's trace of the probe from the snapshot, in the assumed order and in the other one. */
function predict(snapshot: Snapshot): Prediction {
  const req = { src: 'client', dst: `${IPS.web}:80`, namespace: 'default', protocol: 'tcp' as const };
  const assumed = traceRequest(snapshot, req, { buildNode: buildNodeModel }).traces[0]!;
  const alternative = traceRequest(snapshot, req, { buildNode: buildNodeModel, hookOrder: 'alternative' }).traces[0]!;
  return { assumed: assumed.branches, alternative: alternative.branches, findings: assumed.findings };
}

const problems = (o: Observation, branches: Branch[]): string[] => compareCase(o, branches).problems;
const answeredBy = (o: Observation): string[] => Object.keys(o.endpoints).sort();

async function state(lab: Lab): Promise<{ snapshot: Snapshot; o: Observation }> {
  const snapshot = await dumpLab(lab);
  return { snapshot, o: await observe(lab, TO_WEB) };
}

describe('base chains at one hook and priority on the kernel', () => {
  it('iptables-legacy against iptables-nft: the rules hooked last DNAT first; netx assumes the backend kubelet uses and shows the other order', async (ctx) => {
    requireLab(ctx);
    const lab = await buildLab(SPEC);
    const a = nodeByName(lab.plan, 'node-a');
    let legacyLast: Awaited<ReturnType<typeof state>>;
    let nftLast: Awaited<ReturnType<typeof state>>;
    try {
      // kube-proxy's rules from when only web-0 existed, left in iptables-legacy (a backend switch without a reboot).
      const stale = renderIptables(kubeProxyInput(lab.plan, a, new Set(['web-1', 'web-2'])));
      await runWithInput(lab, 'node-a', ['iptables-legacy-restore'], stale);
      legacyLast = await state(lab);
      // iptables-nft's nat table made again (its base chains hook now, after legacy's).
      await lab.inNode('node-a', ['nft', 'delete', 'table', 'ip', 'nat']);
      await reloadRules(lab);
      nftLast = await state(lab);
    } finally {
      await lab.teardown();
    }
    // The kernel: legacy hooked last → its stale DNAT to web-0 wins every time; nft hooked last → all three endpoints.
    expect(answeredBy(legacyLast.o)).toEqual(['web-0']);
    expect(answeredBy(nftLast.o)).toEqual(['web-0', 'web-1', 'web-2']);
    for (const s of [legacyLast, nftLast]) {
      const p = predict(s.snapshot);
      // kubelet's canary chains are in iptables-nft: its chains are assumed to have hooked last.
      expect(problems(nftLast.o, p.assumed)).toEqual([]);
      expect(problems(legacyLast.o, p.alternative)).toEqual([]);
      const f = p.findings.find((x) => x.code === 'hook-order-assumed');
      expect(f).toMatchObject({ severity: 'warning', message: expect.stringMatching(/ip nat \(iptables-nft\) PREROUTING first.*In the other order: delivered to default\/web-0 \(\S+\) from \S+ \(100%\)/s) });
      expect(p.findings.find((x) => x.code === 'mixed-backends')?.message).toMatch(/node-a holds kube-proxy rules in both iptables backends/);
    }
  });

  it('two nft tables: the table hooked last DNATs first; netx follows table handles and shows the other order', async (ctx) => {
    requireLab(ctx);
    const lab = await buildLab({ ...SPEC, name: 'hook-order-nft' });
    const web0 = podByName(lab.plan, 'web-0').ip;
    const staleTable = (chain: boolean): string =>
      ['table ip stale {', ...(chain ? ['  chain pre {', '    type nat hook prerouting priority dstnat;', `    ip daddr ${IPS.web} tcp dport 80 dnat to ${web0}:8080`, '  }'] : []), '}', ''].join('\n');
    const runs: { what: string; snapshot: Snapshot; o: Observation }[] = [];
    try {
      // 1. A second owner's table made after kube-proxy's (iptables-nft `ip nat`): newer table, its chain hooked last.
      await runWithInput(lab, 'node-a', ['nft', '-f', '-'], staleTable(true));
      runs.push({ what: 'stale newer, hooked last', ...(await state(lab)) });
      // 2. kube-proxy's table made again: now `ip nat` is the newer table and hooked last.
      await lab.inNode('node-a', ['nft', 'delete', 'table', 'ip', 'nat']);
      await reloadRules(lab);
      runs.push({ what: 'ip nat newer, hooked last', ...(await state(lab)) });
      // 3. The older table gets its base chain only now: it hooked last, though its table is older (what no dump shows).
      await lab.inNode('node-a', ['nft', 'delete', 'table', 'ip', 'stale']);
      await runWithInput(lab, 'node-a', ['nft', '-f', '-'], staleTable(false));
      await lab.inNode('node-a', ['nft', 'delete', 'table', 'ip', 'nat']);
      await reloadRules(lab);
      await runWithInput(lab, 'node-a', ['nft', '-f', '-'], staleTable(true));
      runs.push({ what: 'stale older, hooked last', ...(await state(lab)) });
    } finally {
      await lab.teardown();
    }
    const [staleLast, natLast, olderLast] = runs;
    expect(answeredBy(staleLast!.o)).toEqual(['web-0']);
    expect(answeredBy(natLast!.o)).toEqual(['web-0', 'web-1', 'web-2']);
    expect(answeredBy(olderLast!.o)).toEqual(['web-0']);
    // Table handles decide the assumed order: right in 1 and 2, and the other order holds the kernel's answer in 3.
    expect(problems(staleLast!.o, predict(staleLast!.snapshot).assumed)).toEqual([]);
    expect(problems(natLast!.o, predict(natLast!.snapshot).assumed)).toEqual([]);
    const third = predict(olderLast!.snapshot);
    expect(problems(olderLast!.o, third.assumed)).not.toEqual([]);
    expect(problems(olderLast!.o, third.alternative)).toEqual([]);
    expect(third.findings.find((x) => x.code === 'hook-order-assumed')?.evidence?.join('\n')).toMatch(/newer nf_tables table/);
  });
});

async function runWithInput(lab: Lab, node: string, argv: string[], input: string): Promise<void> {
  await run(inNs(lab.nodeNs(node), argv), { input });
}
