/** Enforcement detection: DaemonSets of each engine, node netfilter evidence (real corpus dumps and small synthetic ones). */
import { describe, expect, it } from 'vitest';
import { detectEnforcement } from '../../../src/analyze/policy/enforcement.js';
import type { DumpResult, RawObject, Snapshot } from '../../../src/snapshot/types.js';
import { readCorpus } from '../../support/corpus.js';
import { snapshotOf } from '../../support/snapshot.js';
import { CALICO_SAVE } from './enforcement-fixtures.js';

type C = { name: string; args?: string[]; env?: { name: string; value: string }[] };
const ds = (ns: string, name: string, containers: C[]): RawObject => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: ns }, spec: { template: { spec: { containers } } } });
const dump = (stdout: string, exitCode = 0): DumpResult => ({ argv: ['x'], stdout, stderr: exitCode ? 'boom' : '', exitCode });
const snapshot = (daemonsets: RawObject[] | undefined, nodes: Snapshot['nodes'] = {}): Snapshot => snapshotOf({ capturedAt: '2026-01-01T00:00:00Z', objects: daemonsets ? { daemonsets } : {}, nodes });

describe('DaemonSets', () => {
  it.each([
    { name: 'calico-node', d: ds('calico-system', 'calico-node', [{ name: 'calico-node' }]), engine: 'calico', kind: 'enforcing' },
    { name: 'canal (calico-node container next to flannel)', d: ds('kube-system', 'canal', [{ name: 'calico-node' }, { name: 'kube-flannel' }]), engine: 'calico', kind: 'enforcing' },
    { name: 'cilium', d: ds('kube-system', 'cilium', [{ name: 'cilium-agent' }]), engine: 'cilium', kind: 'enforcing' },
    { name: 'antrea-agent', d: ds('kube-system', 'antrea-agent', [{ name: 'antrea-agent' }, { name: 'antrea-ovs' }]), engine: 'antrea', kind: 'enforcing' },
    { name: 'kube-router (firewall on by default)', d: ds('kube-system', 'kube-router', [{ name: 'kube-router', args: ['--run-router=true'] }]), engine: 'kube-router', kind: 'enforcing' },
    { name: 'kube-router --run-firewall=false', d: ds('kube-system', 'kube-router', [{ name: 'kube-router', args: ['--run-firewall=false'] }]), engine: 'kube-router', kind: 'not-enforcing' },
    { name: 'weave-net with weave-npc', d: ds('kube-system', 'weave-net', [{ name: 'weave' }, { name: 'weave-npc' }]), engine: 'weave', kind: 'enforcing' },
    { name: 'weave-net without weave-npc', d: ds('kube-system', 'weave-net', [{ name: 'weave' }]), engine: 'weave', kind: 'not-enforcing' },
    { name: 'kube-network-policies', d: ds('kube-system', 'kube-network-policies', [{ name: 'kube-network-policies' }]), engine: 'kube-network-policies', kind: 'enforcing' },
    { name: 'aws-node, agent with --enable-network-policy=true', d: ds('kube-system', 'aws-node', [{ name: 'aws-node' }, { name: 'aws-network-policy-agent', args: ['--enable-network-policy=true'] }]), engine: 'aws-network-policy-agent', kind: 'enforcing' },
    { name: 'aws-node, agent with --enable-network-policy=false', d: ds('kube-system', 'aws-node', [{ name: 'aws-node' }, { name: 'aws-network-policy-agent', args: ['--enable-network-policy=false'] }]), engine: 'aws-network-policy-agent', kind: 'not-enforcing' },
    { name: 'aws-node, agent without the flag (off by default)', d: ds('kube-system', 'aws-node', [{ name: 'aws-node' }, { name: 'aws-network-policy-agent' }]), engine: 'aws-network-policy-agent', kind: 'not-enforcing' },
    { name: 'flannel alone', d: ds('kube-flannel', 'kube-flannel-ds', [{ name: 'kube-flannel' }]), engine: 'flannel', kind: 'not-enforcing' },
  ])('$name → $kind', ({ d, engine, kind }) => {
    const e = detectEnforcement(snapshot([ds('kube-system', 'kube-proxy', [{ name: 'kube-proxy' }]), d]));
    expect(e.kind).toBe(kind);
    expect(e.evidence.map((x) => x.engine)).toContain(engine);
    expect(e.engines).toEqual(kind === 'enforcing' ? [engine] : []);
  });
  it('nothing recognised: unknown, and a missing DaemonSet listing is a gap', () => {
    expect(detectEnforcement(snapshot([ds('kube-system', 'kube-proxy', [{ name: 'kube-proxy' }])])).kind).toBe('unknown');
    expect(detectEnforcement(snapshot(undefined)).gaps).toContain('DaemonSets were not collected');
  });
  it('flannel plus a policy engine (flannel + kube-network-policies): enforcing', () => {
    const e = detectEnforcement(snapshot([ds('kube-flannel', 'kube-flannel-ds', [{ name: 'kube-flannel' }]), ds('kube-system', 'kube-network-policies', [{ name: 'kube-network-policies' }])]));
    expect(e).toMatchObject({ kind: 'enforcing', engines: ['kube-network-policies'] });
  });
});

const KNP_NFT = JSON.stringify({
  nftables: [
    { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
    { table: { family: 'inet', name: 'kube-network-policies', handle: 1 } },
    { chain: { family: 'inet', table: 'kube-network-policies', name: 'postrouting', handle: 1, type: 'filter', hook: 'postrouting', prio: -5, policy: 'accept' } },
  ],
});

describe('node evidence', () => {
  it('Calico chains in iptables-save: enforcing, with the per-workload/per-policy chains listed', () => {
    const e = detectEnforcement(snapshot([], { 'node-a': { dumps: { 'iptables-nft': dump(CALICO_SAVE) } } }));
    expect(e.kind).toBe('enforcing');
    expect(e.evidence).toEqual([expect.objectContaining({ engine: 'calico', source: 'node', node: 'node-a' })]);
    expect(e.policyChains).toEqual([{ node: 'node-a', engine: 'calico', chains: ['cali-tw-cali1234abcd', 'cali-pi-_Xyz123'] }]);
  });
  it('kube-network-policies nft table', () => {
    const e = detectEnforcement(snapshot([], { n: { dumps: { nft: dump(KNP_NFT) } } }));
    expect(e).toMatchObject({ kind: 'enforcing', engines: ['kube-network-policies'] });
    expect(e.policyChains[0]!.chains).toEqual(['postrouting']);
  });
  it('real flannel nft dump (kernel re-dump): flannel only, not enforcing', () => {
    const e = detectEnforcement(snapshot([], { n: { dumps: { nft: dump(readCorpus('kernel-redump', 'flannel-ipv4-nftables.nft.json')) } } }));
    expect(e.kind).toBe('not-enforcing');
    expect(e.evidence[0]!.evidence).toMatch(/nft table flannel/);
  });
  it('real kube-proxy iptables dump: no engine at all', () => {
    const e = detectEnforcement(snapshot([], { n: { dumps: { iptables: dump(readCorpus('iptables', 'k8s-proxier-test-TestOverallIPTablesRules.rules')) } } }));
    expect(e.kind).toBe('unknown');
    expect(e.gaps).toEqual([]);
  });
  it('a list-format dump (real weave node) or a failed command is a gap, not a guess', () => {
    const e = detectEnforcement(snapshot([], { n: { dumps: { iptables: dump(readCorpus('iptables', 'real-node-flannel-weave-iptables-list-filter.txt')), nft: dump('', 1) } } }));
    expect(e.kind).toBe('unknown');
    expect(e.gaps.join('\n')).toMatch(/iptables dump could not be read[\s\S]*iptables -L[\s\S]*nft dump failed \(x exited 1: boom\)/);
  });
  it('Cilium chains: present, but its drops are not in netfilter (said)', () => {
    const save = CALICO_SAVE.replaceAll('cali-', 'CILIUM_').replace(/-A CILIUM_tw[^\n]*\n/g, '');
    const e = detectEnforcement(snapshot([], { n: { dumps: { 'iptables-nft': dump(save) } } }));
    expect(e.engines).toEqual(['cilium']);
    expect(e.policyChains).toEqual([]);
    expect(e.invisible.join()).toMatch(/eBPF/);
  });
});
