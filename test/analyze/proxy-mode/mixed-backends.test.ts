/** kube-proxy's rules in both iptables backends on one node: the `mixed-backends` warning (trace gives the same one). */
import { describe, expect, it } from 'vitest';
import { analyzeProxyMode } from '../../../src/analyze/proxy-mode/index.js';
import type { DumpResult } from '../../../src/snapshot/types.js';
import { corpusDumps as c, dump, linkDump, snapshot } from './snapshot-builder.js';

const node = (dumps: Record<string, DumpResult>) => analyzeProxyMode(snapshot({ nodes: { n1: dumps }, gitVersion: 'v1.33.4' }));

describe('kube-proxy rules in both iptables backends', () => {
  it('warns, naming both rule counts, that both sets run at the same hooks and the first DNAT wins', () => {
    const legacy = dump(c.iptablesMode().stdout, ['iptables-legacy-save']);
    const r = node({ 'iptables-nft': c.iptablesMode(), 'iptables-legacy': legacy, nft: c.nftOfIptablesNode(), link: linkDump(false), ipvs: dump('') });
    const f = r.findings.find((x) => x.code === 'mixed-backends');
    expect(f).toMatchObject({ severity: 'warning', node: 'n1', message: expect.stringMatching(/^n1 holds kube-proxy rules in both iptables backends \(KUBE-SERVICES: 9 rules in iptables-legacy, 9 in iptables-nft\): the kernel runs both at the same hooks, the one hooked last first, and the first DNAT wins/) });
    expect(f?.nextSteps.join('\n')).toMatch(/iptables-legacy-save -c -t nat/);
  });

  it('an empty legacy KUBE-SERVICES (a skeleton) is no second rule set', () => {
    const skeleton = dump(c.iptablesMode().stdout.split('\n').filter((l) => !l.startsWith('-A KUBE-SERVICES ')).join('\n'), ['iptables-legacy-save']);
    const r = node({ 'iptables-nft': c.iptablesMode(), 'iptables-legacy': skeleton, nft: c.nftOfIptablesNode(), link: linkDump(false), ipvs: dump('') });
    expect(r.findings.map((x) => x.code)).not.toContain('mixed-backends');
  });
});
