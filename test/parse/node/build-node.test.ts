import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import type { DumpResult, NodeCapture } from '../../../src/snapshot/types.js';
import { readCorpus } from '../../support/corpus.js';
import { fixture } from '../fixtures.js';

const ok = (argv: string, stdout: string): DumpResult => ({ argv: argv.split(' '), stdout, stderr: '', exitCode: 0 });
const iptablesSave = readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-save.rules');

function labCapture(): NodeCapture {
  return {
    dumps: {
      addr: ok('ip -j addr show', fixture('iproute', 'addr.json')),
      link: ok('ip -d -j link show', fixture('iproute', 'link.json')),
      rule: ok('ip -j rule show', fixture('iproute', 'rule.json')),
      'ip6-rule': ok('ip -6 -j rule show', fixture('iproute', 'rule6.json')),
      route: ok('ip -j route show table all', fixture('iproute', 'route.json')),
      'ip6-route': ok('ip -6 -j route show table all', fixture('iproute', 'route6.json')),
      neigh: ok('ip -j neigh show', fixture('iproute', 'neigh.json')),
      fdb: ok('bridge -j fdb show', fixture('iproute', 'fdb.json')),
      sysctl: ok('sysctl ...', fixture('iproute', 'sysctl.txt')),
      iptables: ok('iptables-save', iptablesSave),
      nft: ok('nft -j list ruleset', readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-nft.nft.json')),
      conntrack: ok('conntrack -L', readCorpus('conntrack', 'real-kubeadm-flannel-node-conntrack-L-partial.txt')),
      ipvs: { argv: ['ipvsadm', '-Sn'], stdout: '', stderr: "Can't initialize ipvs: Protocol not available\n", exitCode: 2 },
    },
    files: { '/etc/cni/net.d/10-flannel.conflist': readCorpus('cni', 'flannel-10-flannel.conflist') },
  };
}

describe('buildNodeModel', () => {
  const m = buildNodeModel('node-a', labCapture());

  it('fills every part of the model from the kernel dumps', () => {
    expect(m.name).toBe('node-a');
    expect(m.links.find((l) => l.name === 'flannel.1')?.vxlan?.id).toBe(1);
    expect(m.addresses.find((a) => a.ifname === 'cni0')?.local).toBe('10.244.0.1');
    expect(m.rules.filter((r) => r.family === 6).map((r) => r.priority)).toEqual([0, 1000, 32766]);
    expect(m.routes.find((r) => r.dst === '10.244.1.0/24')).toMatchObject({ gateway: '10.244.1.0', flags: ['onlink'] });
    expect(m.neighbours).toHaveLength(3);
    expect(m.fdb.find((e) => e.ifname === 'flannel.1')?.dst).toBe('192.168.10.102');
    expect(m.sysctl['net.ipv4.ip_forward']).toBe('1');
    expect(m.conntrack).toHaveLength(8);
    expect(m.cni).toMatchObject({ kind: 'selected', path: '/etc/cni/net.d/10-flannel.conflist' });
  });
  it('does not double-count IPv6 routes that are in both route dumps', () => {
    expect(m.routes.filter((r) => r.dst === 'fd00:99::/64')).toHaveLength(1);
  });
  it('records a failed dump as unknown with its stderr, and a missing one as unknown without noise', () => {
    expect(m.have.ipvs).toBe(false);
    expect(m.ipvs).toEqual([]);
    expect(m.warnings).toContainEqual(expect.objectContaining({ code: 'dump-failed', source: 'ipvs', message: expect.stringContaining("Can't initialize ipvs") }));
    expect(m.have['iptables-legacy']).toBe(false);
    expect(m.warnings.filter((w) => w.source === 'iptables-legacy')).toEqual([{ code: 'not-collected', source: 'iptables-legacy', message: 'iptables-legacy was not collected: its state is unknown' }]);
    const gap = buildNodeModel('n', { dumps: {}, probe: { transport: 'debug-pod', errors: [{ what: 'ipvs', reason: 'ipvsadm is not in the image', code: 'missing-tool' }] } });
    expect(gap.warnings.find((w) => w.source === 'ipvs')?.message).toBe('ipvs was not collected: ipvsadm is not in the image');
    expect(m.have.route).toBe(true);
    expect(m.have.iptables).toBe(true);
    expect(m.have.nft).toBe(true);
  });
  it('takes iptables-nft tables once, from iptables-save, and records how the backend was decided', () => {
    const tables = m.ruleset.tables.filter((t) => !t.unread).map((t) => `${t.family} ${t.name} ${t.origin}`).sort();
    expect(tables).toEqual(['ip filter iptables-nft', 'ip nat iptables-nft']);
    expect(m.iptablesOrigin?.iptables).toMatchObject({ origin: 'iptables-nft', certain: true });
    const svc = m.ruleset.tables.find((t) => t.name === 'nat')?.chains.find((c) => c.name === 'KUBE-SERVICES');
    expect(svc?.rules.length).toBeGreaterThan(0);
  });
  it('adds native nft tables next to the iptables ones', () => {
    const cap = labCapture();
    cap.dumps.nft = ok('nft -j list ruleset', readCorpus('kernel-redump', 'flannel-ipv4-nftables.nft.json'));
    const tables = buildNodeModel('n', cap).ruleset.tables.filter((t) => !t.unread).map((t) => `${t.family} ${t.name} ${t.origin}`).sort();
    expect(tables).toEqual(['ip filter iptables-nft', 'ip flannel-ipv4 nft', 'ip nat iptables-nft']);
  });
  it('turns a parse error into a warning and leaves that part unknown', () => {
    const cap = labCapture();
    cap.dumps.route = ok('ip -j route show table all', '[{"dst": "not-an-address"}]');
    const n = buildNodeModel('n', cap);
    expect(n.have.route).toBe(false);
    expect(n.warnings).toContainEqual(expect.objectContaining({ code: 'parse-error', source: 'route', path: '$[0].dst' }));
    expect(n.routes.every((r) => r.family === 6)).toBe(true);
  });
  it('reads gzip+base64 dumps and prefers the backend-specific iptables dump over the generic one', () => {
    const cap = labCapture();
    cap.dumps.conntrack = { ...ok('conntrack -L', gzipSync(readCorpus('conntrack', 'real-clusterip-dnat-plus-snat-conntrack-entry.txt')).toString('base64')), encoding: 'gzip+base64' };
    cap.dumps['iptables-nft'] = ok('iptables-nft-save', iptablesSave);
    const n = buildNodeModel('n', cap);
    expect(n.conntrack[0]?.reply.src).toBe('10.64.2.4');
    expect(n.ruleset.tables.filter((t) => t.name === 'nat' && !t.unread)).toHaveLength(1);
    expect(n.have.iptables && n.have['iptables-nft']).toBe(true);
    expect(n.ruleset.warnings.some((w) => w.code === 'duplicate-table')).toBe(false);
  });
  it('keeps each netfilter dump as read, with the backend decided once, and every dump it could not read', () => {
    const cap = labCapture();
    cap.dumps['iptables-nft'] = ok('iptables-nft-save', iptablesSave);
    cap.dumps.proxyMode = ok('curl -s http://127.0.0.1:10249/proxyMode', 'iptables\n');
    const n = buildNodeModel('n', cap);
    const saves = n.netfilterDumps?.map((d) => [d.dump, d.save?.origin, d.save?.certain, d.save?.sameAs, d.tables.map((t) => t.name).sort().join(',')]);
    expect(saves).toEqual([
      ['iptables-nft', 'iptables-nft', true, undefined, 'filter,nat'],
      ['iptables', 'iptables-nft', true, 'iptables-nft', ''],
      ['nft', undefined, undefined, undefined, 'filter,nat'],
    ]);
    expect(n.kubeProxyMode).toBe('iptables');
    expect(n.failures?.ipvs).toEqual({ cause: 'failed', reason: "ipvsadm -Sn exited 2: Can't initialize ipvs: Protocol not available", why: "Can't initialize ipvs: Protocol not available", command: 'ipvsadm -Sn' });
    expect(n.failures?.['iptables-legacy']).toMatchObject({ cause: 'not-collected' });
    expect(n.failures?.iptables).toBeUndefined();
    // kube-proxy's metrics port unreachable: recorded for proxy-mode, no warning about the dataplane.
    cap.dumps.proxyMode = { argv: ['curl', 'http://127.0.0.1:10249/proxyMode'], stdout: '', stderr: "curl: (7) Couldn't connect to server\n", exitCode: 7 };
    const down = buildNodeModel('n', cap);
    expect(down.failures?.proxyMode).toMatchObject({ cause: 'failed', why: "curl: (7) Couldn't connect to server" });
    expect(down.kubeProxyMode).toBeUndefined();
    expect(down.warnings.filter((w) => w.source === 'proxyMode')).toEqual([]);
  });
  it("a save without a header takes its backend from the command that made it, not from a guess", () => {
    const headerless = iptablesSave.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    const cap = (argv: string): NodeCapture => ({ dumps: { iptables: ok(argv, headerless) } });
    expect(buildNodeModel('n', cap('iptables-legacy-save')).iptablesOrigin?.iptables).toMatchObject({ origin: 'iptables-legacy', certain: true });
    expect(buildNodeModel('n', cap('iptables-nft-save')).iptablesOrigin?.iptables).toMatchObject({ origin: 'iptables-nft', certain: true });
    const guessed = buildNodeModel('n', cap('iptables-save'));
    expect(guessed.iptablesOrigin?.iptables).toMatchObject({ origin: 'iptables-nft', certain: false });
    expect(guessed.warnings.some((w) => w.code === 'iptables-origin-assumed')).toBe(true);
  });
  it('adds IPv6 conntrack entries from conntrack -L -f ipv6', () => {
    const cap = labCapture();
    cap.dumps['conntrack-ipv6'] = ok('conntrack -L -f ipv6', fixture('conntrack', 'conntrack-L-f-ipv6.txt'));
    const n = buildNodeModel('n', cap);
    expect(n.conntrack.map((e) => e.l3)).toEqual([...Array(8).fill('ipv4'), 'ipv6']);
    expect(n.have['conntrack-ipv6']).toBe(true);
  });
  it('builds an empty but honest model from an empty capture', () => {
    const n = buildNodeModel('empty', { dumps: {} });
    expect(n.links).toEqual([]);
    expect(Object.values(n.have).every((v) => v === false)).toBe(true);
    // Nothing read is nothing known: every table stands in as unread, every dump is a gap.
    expect(n.ruleset.tables.every((t) => t.unread !== undefined)).toBe(true);
    expect(n.gaps?.map((g) => g.dump)).toEqual(expect.arrayContaining(['addr', 'link', 'route', 'rule', 'neigh', 'fdb', 'sysctl', 'conntrack', 'iptables', 'ip6tables', 'nft']));
  });
});

describe('buildNodeModel: what a bad iptables line costs', () => {
  const save = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':KUBE-FORWARD - [0:0]', '-A FORWARD -j KUBE-FORWARD', '-A KUBE-FORWARD -s 10.0.0.1/32 -j ACCEPT', 'COMMIT', '*nat', ':PREROUTING ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', '-A PREROUTING -d 10.96.0.10/32 -j ACCEPT', 'COMMIT', ''];
  const model = (lines: string[]) => buildNodeModel('n', { dumps: { iptables: ok('iptables-nft-save', lines.join('\n')), 'iptables-legacy': ok('iptables-legacy-save', '') } });
  const unreadIn = (m: ReturnType<typeof model>, table: string) => m.ruleset.tables.filter((t) => t.name === table && t.family === 'ip' && !t.unread).flatMap((t) => t.chains.filter((c) => c.rules.some((r) => r.exprs.some((e) => e.kind === 'unread'))).map((c) => c.name));

  it('a bad rule of a declared chain costs that rule, in its place', () => {
    const lines = [...save];
    lines.splice(7, 0, '[1:2]  -A KUBE-FORWARD -m comment --comment "unterminated -j DROP');
    const m = model(lines);
    expect(unreadIn(m, 'filter')).toEqual(['KUBE-FORWARD']);
    expect(m.ruleset.tables.find((t) => t.name === 'filter' && !t.unread)!.chains.find((c) => c.name === 'KUBE-FORWARD')!.rules.map((r) => r.exprs[0]!.kind)).toEqual(['match', 'unread']);
    expect(unreadIn(m, 'nat')).toEqual([]);
    expect(m.gaps).toContainEqual(expect.objectContaining({ dump: 'iptables', cause: 'partial', lost: ['line 8 (a rule of filter KUBE-FORWARD)'] }));
  });

  it('another bad line costs its table: every built-in chain of it, declared or not, starts unread', () => {
    const lines = save.filter((l) => l !== ':OUTPUT ACCEPT [0:0]' || save.indexOf(l) > 8);
    lines.splice(2, 0, 'not a line of iptables-save');
    const m = model(lines);
    expect(unreadIn(m, 'filter').sort()).toEqual(['FORWARD', 'INPUT', 'OUTPUT']);
    expect(unreadIn(m, 'nat')).toEqual([]);
  });

  it('a dump cut inside a table costs that table and the tables it never reached', () => {
    const m = model(save.slice(0, 6));
    expect(unreadIn(m, 'filter').sort()).toEqual(['FORWARD', 'INPUT', 'OUTPUT']);
    expect(m.ruleset.tables.filter((t) => t.unread && t.family === 'ip' && t.origin === 'iptables-nft').map((t) => t.name).sort()).toEqual(['mangle', 'nat', 'raw', 'security']);
  });
});
