/**
 * Every command's summary line follows from the rows under it. For each report of a varied set (bundled and lab
 * snapshots, snapshots with a dump lost, no node probed, policies with and without an engine) the text is rendered,
 * its rows are read back, the summary they imply is derived here independently, and it must be the line printed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import chalk from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../src/snapshot/io.js';
import type { RawObject, Snapshot } from '../../src/snapshot/types.js';
import { withDump } from '../support/snapshot.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { traceRequest } from '../../src/analyze/trace/index.js';
import { policyWithDataplane } from '../../src/analyze/trace/policy-check.js';
import { analyzeProxyMode } from '../../src/analyze/proxy-mode/index.js';
import { analyzeCidr } from '../../src/analyze/cidr/index.js';
import { renderTraceText } from '../../src/render/trace-text.js';
import { renderPolicyText } from '../../src/render/policy.js';
import { renderProxyModeText } from '../../src/render/proxy-mode.js';
import { renderCidrText } from '../../src/render/cidr.js';
import type { Disposition, Trace } from '../../src/sim/trace.js';
import { REPO_ROOT } from '../support/corpus.js';
import { kindSnapshot } from '../support/fixtures-cidr/kind-snapshot.js';

// Every Disposition (the record's keys must be exactly the union), to check a rendered trace carries a known one.
const DISPOSITIONS = Object.keys({ delivered: 1, dropped: 1, rejected: 1, 'no-route': 1, loop: 1, uncertain: 1, 'insufficient-info': 1, egress: 1 } satisfies Record<Disposition, 1>);

const load = (f: string): Snapshot => parseSnapshot(readFileSync(path.join(REPO_ROOT, f), 'utf8'), f);
const SNAPSHOTS = [...readdirSync(path.join(REPO_ROOT, 'examples')).map((f) => `examples/${f}`), ...readdirSync(path.join(REPO_ROOT, 'test/fixtures/lab')).filter((f) => f.endsWith('.snapshot.json')).map((f) => `test/fixtures/lab/${f}`)];

/** The same snapshot with one node dump gone, failed, or with no node probed at all. */
function variants(file: string): [string, Snapshot][] {
  const s = load(file);
  const [node] = Object.keys(s.nodes);
  const without = (key: string): Snapshot => withDump(s, node!, key, () => undefined);
  const failed = (key: string): Snapshot => (s.nodes[node!]!.dumps[key] ? withDump(s, node!, key, (d) => ({ ...d!, stdout: '', encoding: 'utf8', exitCode: 124, stderr: 'timeout' })) : s);
  return [
    [file, s],
    [`${file} without ${node} iptables`, without('iptables')],
    [`${file} with ${node} nft failed`, failed('nft')],
    [`${file} without ${node} route`, without('route')],
    [`${file} not probed`, { ...s, nodes: {} }],
  ];
}

const np = (name: string, spec: Record<string, unknown>): RawObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'default', name }, spec });
const CALICO: RawObject = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { namespace: 'kube-system', name: 'calico-node' }, spec: { template: { spec: { containers: [{ name: 'calico-node' }] } } } };
function withPolicies(s: Snapshot, policies: RawObject[], engine: boolean): Snapshot {
  const objects = { ...s.cluster.objects, networkpolicies: policies, daemonsets: [...(s.cluster.objects.daemonsets ?? []), ...(engine ? [CALICO] : [])] };
  return { ...s, cluster: { ...s.cluster, objects } };
}
const POLICY_SETS: [string, RawObject[]][] = [
  ['none', []],
  ['deny web', [np('deny-web', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] })]],
  ['deny web-0 only', [np('deny-web-0', { podSelector: { matchLabels: { 'statefulset.kubernetes.io/pod-name': 'web-0' } }, policyTypes: ['Ingress'] })]],
  ['allow 8080 only', [np('web-8080', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 8080 }] }] })]],
];

/** Lines of a table: after the header line that starts with `header`, up to the first blank line. */
function rows(text: string, header: RegExp): string[] {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => header.test(l));
  if (at < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (l.trim() === '') break;
    out.push(l);
  }
  return out;
}

const pctText = (p: number): string => {
  const v = p * 100;
  return v >= 10 || v === 0 ? `${Math.round(v)}%` : `${Number(v.toFixed(1))}%`;
};

beforeAll(() => {
  chalk.level = 0;
});

describe('trace: the headline follows from the endpoints table', () => {
  /** What the rows say: the worst failing result by odds (ties by the severity order), how many, how much. */
  function expected(t: Trace, text: string): string {
    const table = rows(text, /^ {2}odds {2}result/).map((l) => /^\s*[\d.]+%\s+(\S+)/.exec(l)![1]!);
    expect(table).toEqual(t.branches.map((b) => b.disposition));
    const n = table.length;
    const paths = (k: number): string => `${k} of ${n} path${n === 1 ? '' : 's'}`;
    const mass = (d: string): number => t.branches.filter((_, i) => table[i] === d).reduce((s, b) => s + b.probability, 0);
    const count = (d: string): number => table.filter((r) => r === d).length;
    const part = (d: string, what: string): string => (count(d) ? ` · ${what} ${count(d)} (${pctText(mass(d))})` : '');
    const failing = [...new Set(table.filter((r) => r !== 'delivered' && r !== 'egress'))];
    if (failing.length === 0) {
      return mass('egress') > mass('delivered') ? `LEAVES THE CLUSTER on ${paths(count('egress'))}${part('delivered', 'delivered on')}` : `DELIVERED on ${paths(count('delivered'))}${part('egress', 'leaves the cluster on')}`;
    }
    const order = ['uncertain', 'insufficient-info', 'loop', 'no-route', 'rejected', 'dropped'];
    const worst = failing.sort((a, b) => mass(b) - mass(a) || order.indexOf(a) - order.indexOf(b))[0]!;
    return `${worst.toUpperCase()} on ${paths(count(worst))} (${pctText(mass(worst))})${part('delivered', 'delivered on')}${part('egress', 'leaves the cluster on')}`;
  }

  const cases: [string, Snapshot, string][] = [];
  for (const f of SNAPSHOTS) for (const [name, s] of variants(f).slice(0, 4)) for (const dst of ['svc/web:80', 'svc/web:53', 'pod/web-1:8080']) cases.push([`${name}: client → ${dst}`, s, dst]);
  for (const [name, p] of POLICY_SETS) for (const engine of [false, true]) cases.push([`lab flannel, policies ${name}${engine ? ', calico' : ''}`, withPolicies(load('examples/lab-flannel-iptables.snapshot.json'), p, engine), 'svc/web:80']);

  it.each(cases)('%s', (_, s, dst) => {
    let traces: Trace[];
    try {
      traces = traceRequest(s, { src: 'client', dst, namespace: 'default' }, { buildNode: buildNodeModel }).traces;
    } catch {
      return; // a name this snapshot does not have: no report, no summary
    }
    for (const t of traces) {
      const text = renderTraceText([t]);
      const headline = text.split('\n')[1]!;
      expect(headline.startsWith(expected(t, text))).toBe(true);
      expect(DISPOSITIONS).toContain(t.disposition);
      expect(headline.startsWith(t.disposition === 'egress' ? 'LEAVES THE CLUSTER' : t.disposition.toUpperCase())).toBe(true);
    }
  });
});

describe('proxy-mode: the verdict line follows from the node rows', () => {
  const cases = SNAPSHOTS.flatMap(variants);

  it.each(cases)('%s', (_, s) => {
    const r = analyzeProxyMode(s);
    const text = renderProxyModeText(r);
    const table = rows(text, /^ {2}node {2,}effective/).map((l) => {
      const [node, effective] = l.trim().split(/\s+/);
      return { node: node!, effective: effective!, differs: l.includes('! differs') };
    });
    expect(table.map((x) => x.node)).toEqual(r.nodes.map((n) => n.node));
    const verdict = text.split('\n').find((l) => /^[✓!] (configuration and dataplane|nothing was checked|no nodes)/.test(l))!;
    const unknown = table.filter((x) => x.effective === 'unknown' || x.effective.endsWith('?')).map((x) => x.node);
    const known = table.filter((x) => !unknown.includes(x.node)).map((x) => x.node);
    const warnings = text.split('\n').filter((l) => l.startsWith('! ') && l !== verdict && !/^! \S+: could not read /.test(l));
    if (verdict.startsWith('✓')) {
      // All clear: every row's mode is known, none differs, nothing warns.
      expect(unknown).toEqual([]);
      expect(table.some((x) => x.differs)).toBe(false);
      expect(warnings).toEqual([]);
      expect(verdict).toBe(`✓ configuration and dataplane agree on every node (${table.length} of ${table.length})`);
    } else if (verdict.includes('differ')) {
      expect(table.some((x) => x.differs) || warnings.length > 0).toBe(true);
    } else if (verdict.startsWith('! nothing was checked')) {
      expect(known).toEqual([]);
    } else {
      expect(verdict).toMatch(new RegExp(`^! configuration and dataplane agree on ${known.join(', ')}; not checked: `));
      for (const n of unknown) expect(verdict).toContain(`${n} (`);
    }
    // Never the all-clear over a row that was not checked.
    if (unknown.length) expect(verdict.startsWith('✓')).toBe(false);
  });
});

describe('policy: the verdict line follows from the flow rows', () => {
  const cases: [string, Snapshot, string][] = [];
  for (const [name, p] of POLICY_SETS) for (const engine of [false, true]) for (const dst of ['svc/web:80', 'pod/web-0:8080']) cases.push([`policies ${name}${engine ? ', calico' : ''}: client → ${dst}`, withPolicies(load('examples/lab-flannel-iptables.snapshot.json'), p, engine), dst]);

  it.each(cases)('%s', (_, s, dst) => {
    const r = policyWithDataplane(s, { src: 'client', dst, namespace: 'default' }, { buildNode: buildNodeModel });
    const text = renderPolicyText(r);
    const lines = text.split('\n');
    const verdict = lines[1]!;
    // One word per flow: the flow block's own word (several flows) or, for one flow, its sides and dataplane line.
    const words =
      r.verdicts.length > 1
        ? lines.filter((l) => /^(ALLOWED|DENIED|UNCERTAIN) {2}\d+\//.test(l)).map((l) => l.split(' ')[0]!)
        : [lines.some((l) => /^ {2}dataplane .*disagrees/.test(l)) ? 'UNCERTAIN' : lines.some((l) => /^ {2}(egress|ingress) .* denied /.test(l)) ? 'DENIED' : lines.some((l) => /^ {2}(egress|ingress) .* uncertain /.test(l)) ? 'UNCERTAIN' : 'ALLOWED'];
    expect(words).toHaveLength(r.verdicts.length);
    const overall = words.includes('DENIED') ? 'DENIED' : words.includes('UNCERTAIN') ? 'UNCERTAIN' : 'ALLOWED';
    const count = r.verdicts.length > 1 ? ` on ${words.filter((w) => w === overall).length} of ${words.length} flows` : '';
    expect(verdict.startsWith(`${overall}${count}`)).toBe(true);
  });
});

describe('cidr: the totals and findings lines follow from the rows', () => {
  const cases: [string, Snapshot][] = [['kind (hand-built)', kindSnapshot()], ...SNAPSHOTS.map((f) => [f, load(f)] as [string, Snapshot])];

  it.each(cases)('%s', (_, s) => {
    const r = analyzeCidr(s);
    const text = renderCidrText(r);
    const table = rows(text, /^ {2}node {2,}internal IP/).filter((l) => /^ {2}\S/.test(l));
    const totals = text.split('\n').find((l) => /^\d+ nodes · /.test(l))!;
    expect(totals.startsWith(`${table.length} nodes · `)).toBe(true);
    // node, internal IP, podCIDR (or —), pods: the fourth word of each row's first line.
    const pods = table.reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[3]), 0);
    expect(totals).toContain(` · ${pods} pods`);
    const findingLines = text.split('\n').filter((l) => /^ {2}[✗!i] /.test(l));
    const by = (m: string) => findingLines.filter((l) => l.startsWith(`  ${m} `)).length;
    const parts = ([['✗', 'error'], ['!', 'warning'], ['i', 'info']] as const).filter(([m]) => by(m) > 0).map(([m, w]) => `${by(m)} ${w}${by(m) > 1 ? 's' : ''}`);
    expect(text).toContain(findingLines.length === 0 ? '✓ no findings' : `Findings (${parts.join(', ')})`);
  });
});
