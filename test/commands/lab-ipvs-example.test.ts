/**
 * The built CLI on the bundled ipvs-mode lab snapshot (examples/lab-flannel-ipvs.snapshot.json: ipsets, iptables
 * rules and kube-ipvs0 made by the kernel, virtual servers rendered because the lab kernel has no IPVS): trace walks
 * kube-proxy's ipvs mode (KUBE-IPVS-FILTER, the IPVS DNAT at INPUT, rr odds), proxy-mode sees ipvs everywhere.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/corpus.js';
import { ensureBuilt, runCli } from '../support/cli.js';

const SNAP = path.join(REPO_ROOT, 'examples', 'lab-flannel-ipvs.snapshot.json');
const trace = (...args: string[]) => runCli(['trace', ...args, '--snapshot', SNAP, '--no-color']);

interface Step {
  kind: string;
  table?: string;
  chain?: string;
  verdict?: string;
  hook?: string;
  priority?: number;
  packetAfter?: { daddr: string; dport: number };
}
interface TraceDoc {
  disposition: string;
  destination: { kind: string };
  branches: { disposition: string; probability: number; endpoint?: { ip: string; pod?: string }; hops: { node: string; steps: Step[] }[]; notes?: string[] }[];
  findings: { code: string; passed?: boolean }[];
}

const steps = (b: TraceDoc['branches'][number]): Step[] => b.hops.flatMap((h) => h.steps);

describe('kubectl netx on the ipvs-mode lab snapshot (built CLI)', () => {
  beforeAll(() => ensureBuilt(), 180_000);
  const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'trace.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it('svc/web:80 is delivered to the three endpoints through the IPVS virtual server, rr: a third each', () => {
    const r = trace('client', 'svc/web:80', '-o', 'json');
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as TraceDoc;
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.disposition).toBe('delivered');
    expect(doc.branches.map((b) => b.endpoint?.ip).sort()).toEqual(['10.244.0.11', '10.244.1.10', '10.244.1.11']);
    for (const b of doc.branches) {
      expect(b.probability).toBeCloseTo(1 / 3, 6);
      const ipvs = steps(b).filter((s) => s.kind === 'nat' && s.table === 'ipvs');
      expect(ipvs).toHaveLength(1);
      expect(ipvs[0]).toMatchObject({ verdict: 'dnat', hook: 'input', priority: 99, chain: 'TCP 10.96.0.10:80 rr', packetAfter: { daddr: b.endpoint!.ip, dport: 8080 } });
      // The service address is local (kube-ipvs0), and kube-proxy's access filter lets the service port through.
      expect(steps(b)).toContainEqual(expect.objectContaining({ kind: 'netfilter', chain: 'KUBE-IPVS-FILTER', verdict: 'return' }));
      // No iptables-mode service chain is involved.
      expect(steps(b).some((s) => /^KUBE-(SVC|SEP)-/.test(s.chain ?? ''))).toBe(false);
    }
    expect(doc.findings.filter((f) => f.passed === false).map((f) => f.code)).toEqual([]);
  });

  it('the UDP port too (IPVS -u virtual server), equal odds', () => {
    const doc = JSON.parse(trace('client', 'svc/web:53', '-o', 'json').stdout) as TraceDoc;
    expect(doc.disposition).toBe('delivered');
    expect(doc.branches.map((b) => [b.endpoint?.pod, b.probability])).toEqual(
      expect.arrayContaining([['default/web-0', 1 / 3], ['default/web-1', 1 / 3], ['default/web-2', 1 / 3]]),
    );
    for (const b of doc.branches) expect(steps(b)).toContainEqual(expect.objectContaining({ table: 'ipvs', chain: 'UDP 10.96.0.10:53 rr', verdict: 'dnat' }));
  });

  it('the ClusterIP on a port the service does not have: rejected by KUBE-IPVS-FILTER (exit 3), traced as a plain address', () => {
    const r = trace('client', '10.96.0.10:81', '-o', 'json');
    expect(r.status, r.stderr).toBe(3);
    const doc = JSON.parse(r.stdout) as TraceDoc;
    expect(doc.disposition).toBe('rejected');
    expect(doc.destination.kind).toBe('ip');
    const [b] = doc.branches;
    expect(steps(b!).some((s) => s.table === 'ipvs')).toBe(false);
    const last = steps(b!).filter((s) => s.kind === 'netfilter' && s.verdict !== undefined).at(-1);
    expect(last).toMatchObject({ chain: 'KUBE-IPVS-FILTER' });
    expect(last?.verdict).toMatch(/reject/i);
    expect(b!.notes).toContain('10.96.0.10 is the clusterIP of service default/web, which has no port 81 (its ports: 80/TCP, 53/UDP): traced as a plain address');
  });

  it('ghost (no endpoints): rejected by IPVS itself, a virtual server without real servers (exit 3)', () => {
    const r = trace('client', 'svc/ghost', '-o', 'json');
    expect(r.status).toBe(3);
    const doc = JSON.parse(r.stdout) as TraceDoc;
    expect(doc.disposition).toBe('rejected');
    expect(doc.branches).toHaveLength(1);
    expect(doc.findings.map((f) => f.code)).not.toContain('proxy-unaware-service');
    const text = trace('client', 'svc/ghost').stdout;
    expect(text.split('\n')[1]).toMatch(/^REJECTED .*IPVS virtual server TCP 10\.96\.0\.12:80 rr on node-a has no real server/);
    expect(text).toMatch(/has no ready endpoints/);
  });

  it('proxy-mode: configured ipvs, effective ipvs on both nodes from all three IPVS signals, agreeing', () => {
    const r = runCli(['proxy-mode', '--snapshot', SNAP, '-o', 'json']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      configured: { mode: string };
      nodes: { node: string; differs: boolean; effective: { kind: string; mode?: string; basis?: string }; signals: { kind: string }[] }[];
      findings: { code: string }[];
    };
    expect(report.configured.mode).toBe('ipvs');
    expect(report.nodes.map((n) => [n.node, n.effective.mode, n.effective.basis, n.differs])).toEqual([
      ['node-a', 'ipvs', 'dataplane', false],
      ['node-b', 'ipvs', 'dataplane', false],
    ]);
    for (const n of report.nodes) expect(n.signals.map((s) => s.kind)).toEqual(expect.arrayContaining(['iptables-services', 'ipvs-link', 'ipvs-services']));
    expect(report.findings).toEqual([]);
    const text = runCli(['proxy-mode', '--snapshot', SNAP]).stdout;
    expect(text).toMatch(/^Configured\s+ipvs/);
    expect(text).toContain('configuration and dataplane agree on every node (2 of 2)');
  });
});
