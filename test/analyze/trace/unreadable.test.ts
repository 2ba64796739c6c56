/**
 * A dump that could not be read is named in the trace and makes the paths that depend on it uncertain; it never turns
 * into "no rules". Each case starts from a lab snapshot whose kernel verdict is known (test/fixtures/lab: node-b drops
 * client → web-1 in filter FORWARD, line 31 of its iptables dump) and loses the dump one way a real capture can.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import { decodeDumpStdout, encodeGzipBase64 } from '../../../src/snapshot/dump-encoding.js';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { traceRequest } from '../../../src/analyze/trace/index.js';
import type { Branch, Finding, Trace } from '../../../src/sim/trace.js';
import type { DumpResult, Snapshot } from '../../../src/snapshot/types.js';
import { REPO_ROOT } from '../../support/corpus.js';
import { withDump } from '../../support/snapshot.js';
import { traceSchemaErrors } from '../../support/trace-schema.js';
import { renderTraces } from '../../../src/render/trace.js';

const load = (f: string): Snapshot => parseSnapshot(readFileSync(path.join(REPO_ROOT, f), 'utf8'), f);
const FORWARD_DROP = 'test/fixtures/lab/forward-drop.snapshot.json';

const text = (d: DumpResult): string => {
  const t = decodeDumpStdout(d);
  if (t.kind !== 'text') throw new Error(t.reason);
  return t.text;
};
const withText = (d: DumpResult, t: string): DumpResult => ({ ...d, stdout: encodeGzipBase64(t), encoding: 'gzip+base64' });
/** Inserts `line` into the dump text before the first line matching `before`. */
const insertBefore = (d: DumpResult, before: RegExp, line: string): DumpResult => {
  const lines = text(d).split('\n');
  lines.splice(lines.findIndex((l) => before.test(l)), 0, line);
  return withText(d, lines.join('\n'));
};

const trace = (s: Snapshot, dst = 'svc/web:80', extra: { sport?: number } = {}): Trace => traceRequest(s, { src: 'client', dst, namespace: 'default', ...extra }, { buildNode: buildNodeModel }).traces[0]!;
const toWeb1 = (t: Trace): Branch[] => t.branches.filter((b) => b.hops.some((h) => h.steps.some((s) => s.packetAfter?.daddr === '10.244.1.10')));
const unreadable = (t: Trace, node: string, dump: string): Finding | undefined => t.findings.find((f) => f.code === 'dump-unreadable' && f.message.startsWith(`${node}: the ${dump} dump`));

/** The forward-drop verdict survives the loss: web-1's path is not claimed delivered, and the finding says why. */
function expectHonest(t: Trace, dump: string, reason: RegExp): void {
  const web1 = toWeb1(t);
  expect(web1.length).toBeGreaterThan(0);
  for (const b of web1) {
    expect(b.disposition).toBe('uncertain');
    expect(b.cause).toMatchObject({ code: 'state-unread', node: 'node-b', dump });
    expect(b.reason).toMatch(reason);
  }
  expect(t.disposition).not.toBe('delivered');
  expect(traceSchemaErrors(JSON.parse(renderTraces([t], 'json')))).toEqual([]);
  const f = unreadable(t, 'node-b', dump);
  expect(f?.severity).toBe('warning');
  expect(f?.message).toMatch(reason);
  // The path that never reaches node-b stays certain: only what crosses the loss is in doubt.
  expect(t.branches.find((b) => b.endpoint?.pod === 'default/web-0')?.disposition).toBe('delivered');
}

describe('a node dump that could not be read', () => {
  const base = load(FORWARD_DROP);

  it('the kernel drops client → web-1 on node-b by the FORWARD rule the lost dump holds (the full snapshot agrees)', () => {
    // The lab's observation: every attempt timed out, and `nft monitor trace` on node-b shows the FORWARD drop.
    const oracle = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/lab/forward-drop.oracle.json'), 'utf8')) as { observations: { case: { id: string }; outcomes: Record<string, number>; trace: Record<string, { table: string; chain: string; verdict: string }[]> }[] };
    const kernel = oracle.observations.find((o) => o.case.id === 'client-to-web-1-pod')!;
    expect(Object.keys(kernel.outcomes)).toEqual(['timeout']);
    expect(kernel.trace['node-b']!.filter((e) => e.verdict === 'drop').map((e) => `${e.table} ${e.chain}`)).toEqual(['filter FORWARD']);
    const t = trace(base);
    expect(toWeb1(t).map((b) => [b.disposition, b.reason])).toEqual([['dropped', expect.stringMatching(/^dropped by ip filter FORWARD line 31 /)]]);
  });

  it("node-b's iptables dump deleted: uncertain on node-b, named, not DELIVERED on 3 of 3", () => {
    expectHonest(trace(withDump(base, 'node-b', 'iptables', () => undefined)), 'iptables', /the iptables dump was not collected/);
  });

  it('exitCode 124 (the probe timed out): the command and the exit code are named', () => {
    const t = trace(withDump(base, 'node-b', 'iptables', (d) => ({ ...d!, stdout: '', encoding: 'utf8', exitCode: 124, stderr: 'timeout: sending signal TERM to iptables-nft-save\n' })));
    expectHonest(t, 'iptables', /iptables-nft-save exited 124: timeout/);
    // The branch stopped while the packet was wrapped for VXLAN: the policy step judges web-1, not node-b's tunnel port.
    const policy = toWeb1(t)[0]!.hops.flatMap((h) => h.steps).find((s) => s.summary.startsWith('NetworkPolicy'));
    expect(policy?.summary).toMatch(/default\/web-1 for ingress/);
  });

  it('one bad line in *filter costs the filter table only: nat and mangle are still read', () => {
    const s = withDump(base, 'node-b', 'iptables', (d) => insertBefore(d!, /^-A FORWARD -d 10\.244\.1\.10/, 'this line is not a rule'));
    const t = trace(s);
    expectHonest(t, 'iptables', /read only in part \(table filter from line \d+/);
    for (const b of toWeb1(t)) expect(b.reason).toMatch(/at ip filter (INPUT|FORWARD)/);
    const m = buildNodeModel('node-b', s.nodes['node-b']!);
    const nat = m.ruleset.tables.find((x) => x.name === 'nat' && x.family === 'ip' && !x.unread)!;
    expect(nat.chains.find((c) => c.name === 'KUBE-SERVICES')!.rules.length).toBeGreaterThan(0);
    expect(nat.chains.find((c) => c.name === 'PREROUTING')!.rules.some((r) => r.exprs.some((e) => e.kind === 'unread'))).toBe(false);
  });

  it('`iptables -S` output instead of iptables-save: read as the filter table, the other tables unknown', () => {
    const s = withDump(base, 'node-b', 'iptables', (d) => withText(d!, dashS(text(d!), 'filter')));
    const t = trace(s);
    expectHonest(t, 'iptables', /`iptables -S` output lists one table/);
    const m = buildNodeModel('node-b', s.nodes['node-b']!);
    const filter = m.ruleset.tables.find((x) => x.name === 'filter' && x.family === 'ip' && x.origin === 'iptables-nft' && !x.unread)!;
    // The DROP rule itself was read from the -S text.
    expect(filter.chains.find((c) => c.name === 'FORWARD')!.rules.some((r) => /netx-lab: block web-1/.test(r.text))).toBe(true);
  });

  it('a gzip+base64 dump too large to inflate is named, not dropped silently', () => {
    // 513 gzip members of 1 MiB of zeros: 700 KiB of base64 that inflates past the longest string the runtime holds.
    const member = gzipSync(Buffer.alloc(1 << 20));
    const bomb = Buffer.concat(Array.from({ length: 513 }, () => member)).toString('base64');
    const t = trace(withDump(base, 'node-b', 'iptables', (d) => ({ ...d!, stdout: bomb, encoding: 'gzip+base64' })));
    expectHonest(t, 'iptables', /the iptables dump could not be decoded/);
  });
});

describe('garbage nft JSON (kube-proxy nftables mode)', () => {
  it('ends uncertain naming the nft dump, not insufficient-info at a gateway', () => {
    const s = withDump(load('examples/lab-hostgw-nftables.snapshot.json'), 'node-a', 'nft', (d) => ({ ...d!, stdout: '{"nftables": [{"metainfo": ', encoding: 'utf8' }));
    const t = trace(s);
    for (const b of t.branches) {
      expect(b.disposition).toBe('uncertain');
      expect(b.cause).toMatchObject({ code: 'state-unread', node: 'node-a', dump: 'nft' });
    }
    expect(unreadable(t, 'node-a', 'nft')?.message).toMatch(/the nft dump could not be read \(.*not JSON/);
  });
});

describe('one bad item in an nft dump', () => {
  it('costs its table (kube-proxy\'s): uncertain where that table could hook, every other table still read', () => {
    const bad = '{"chain":{"family":"ip","table":"kube-proxy","name":"broken","handle":9999,"type":"filter","hook":"sideways","prio":0,"policy":"accept"}}';
    const s = withDump(load('examples/lab-hostgw-nftables.snapshot.json'), 'node-a', 'nft', (d) => withText(d!, text(d!).replace(/\]\}\s*$/, `,${bad}]}`)));
    const t = trace(s);
    for (const b of t.branches) expect(b.cause).toMatchObject({ code: 'state-unread', node: 'node-a', dump: 'nft' });
    expect(t.branches[0]!.reason).toMatch(/read only in part \(table ip kube-proxy; .*unknown hook sideways/);
    const m = buildNodeModel('node-a', s.nodes['node-a']!);
    expect(m.ruleset.tables.filter((x) => x.unread).map((x) => `${x.family} ${x.name}`)).toEqual(['ip kube-proxy (part not read)']);
    expect(m.ruleset.tables.find((x) => x.name === 'kube-proxy' && !x.unread)?.chains.length).toBeGreaterThan(10);
  });
});

describe('ipsets not collected (kube-proxy ipvs mode)', () => {
  it('a rule that matches a set the dump would have held is uncertain, and nothing is called out of sync', () => {
    const t = trace(withDump(load('examples/lab-flannel-ipvs.snapshot.json'), 'node-a', 'ipset', () => undefined));
    expect(t.branches.map((b) => [b.disposition, b.cause])).toEqual([['uncertain', { code: 'state-unread', node: 'node-a', dump: 'ipset', state: 'ipsets' }]]);
    expect(t.branches[0]!.reason).toMatch(/^ipset KUBE-[\w-]+ on node-a is unknown: the ipset dump was not collected/);
    // The walk stopped before any DNAT: that says nothing about kube-proxy being out of sync.
    expect(t.findings.map((f) => f.code)).not.toContain('proxy-unaware-service');
    expect(unreadable(t, 'node-a', 'ipset')?.severity).toBe('warning');
  });
});

describe('one garbage line in a conntrack dump', () => {
  const base = load('test/fixtures/lab/stale-conntrack.snapshot.json');
  const stale = (t: Trace) => t.findings.find((f) => f.code === 'stale-conntrack');

  it('costs that line only: the stale entry is still found and still decides the named flow', () => {
    const t = trace(withDump(base, 'node-a', 'conntrack', (d) => withText(d!, `garbage that is no entry\n${text(d!)}`)), 'svc/web:dns', { sport: 40053 });
    expect(stale(t)?.evidence?.[0]).toMatch(/src=10\.244\.0\.10 dst=10\.96\.0\.10 sport=40053/);
    expect(t.branches.map((b) => b.disposition)).toEqual(['dropped']);
    expect(t.findings.find((f) => f.code === 'dump-unreadable')?.message).toMatch(/node-a: the conntrack dump was read only in part \(1 line\(s\)/);
  });

  it('a lost line that could be the named flow\'s entry makes that flow uncertain', () => {
    const garbled = (d: DumpResult): DumpResult => withText(d, text(d).replace(/^udp +17 29 src=10\.244\.0\.10 dst=10\.96\.0\.10 sport=40053/m, 'udp 17 29 ??? src=10.244.0.10 dst=10.96.0.10 sport=40053'));
    const t = trace(withDump(base, 'node-a', 'conntrack', (d) => garbled(d!)), 'svc/web:dns', { sport: 40053 });
    expect(t.branches.map((b) => [b.disposition, b.cause?.code])).toEqual([['uncertain', 'state-unread']]);
    expect(t.branches[0]!.reason).toMatch(/the conntrack entry of this flow on node-a is unknown/);
  });
});

/** The `iptables -S` listing of one table of an iptables-save text: -P, then -N, then -A lines. */
function dashS(save: string, table: string): string {
  const lines = save.split('\n');
  const body = lines.slice(lines.indexOf(`*${table}`) + 1, lines.indexOf('COMMIT', lines.indexOf(`*${table}`)));
  const decl = body.filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' '));
  return [...decl.filter(([, p]) => p !== '-').map(([c, p]) => `-P ${c} ${p}`), ...decl.filter(([, p]) => p === '-').map(([c]) => `-N ${c}`), ...body.filter((l) => l.startsWith('-A '))].join('\n') + '\n';
}
