/** The trace use case on lab snapshots: name resolution, one trace per service port, findings with evidence. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { traceRequest, type TraceRequest } from '../../../src/analyze/trace/index.js';
import { UserError } from '../../../src/util/errors.js';
import { affinity } from '../../../src/analyze/trace/path-findings.js';
import { REPO_ROOT } from '../../support/corpus.js';

const load = (file: string) => parseSnapshot(readFileSync(path.join(REPO_ROOT, file), 'utf8'), file);
const lab = (scenario: string) => load(`test/fixtures/lab/${scenario}.snapshot.json`);
const BASE = load('examples/lab-flannel-iptables.snapshot.json');
const trace = (snap: ReturnType<typeof load>, req: Partial<TraceRequest> & { dst: string }) => traceRequest(snap, { src: 'client', namespace: 'default', ...req }, { buildNode: buildNodeModel }).traces;
const codes = (t: { findings: { code: string }[] }) => t.findings.map((f) => f.code);

describe('trace: names', () => {
  it('a typo suggests the closest pod', () => {
    expect(() => trace(BASE, { src: 'clinet', dst: 'svc/web' })).toThrowError(UserError);
    try {
      trace(BASE, { src: 'clinet', dst: 'svc/web' });
    } catch (e) {
      expect((e as UserError).hint).toBe('did you mean client?');
    }
  });

  it('a service typo suggests the closest service; a wrong port lists the ports', () => {
    expect(() => trace(BASE, { dst: 'svc/wbe' })).toThrowError(/service default\/wbe not found/);
    expect(() => trace(BASE, { dst: 'svc/web:81' })).toThrowError(/has no port 81/);
  });

  it('a service with two ports and none given: one trace per port; a port name picks one', () => {
    expect(trace(BASE, { dst: 'svc/web' }).map((t) => `${t.destination.port}/${t.destination.protocol}`)).toEqual(['80/tcp', '53/udp']);
    expect(trace(BASE, { dst: 'svc/web:dns' }).map((t) => t.destination.port)).toEqual([53]);
  });

  it('an IP that is a ClusterIP is traced as the service; pod names and node/NAME:port resolve', () => {
    expect(trace(BASE, { dst: '10.96.0.10:80' })[0]!.destination).toMatchObject({ kind: 'service', name: 'default/web' });
    expect(trace(BASE, { dst: 'pod/web-1:8080' })[0]!.destination).toMatchObject({ kind: 'pod', ip: '10.244.1.10', node: 'node-b' });
    expect(trace(BASE, { dst: 'node/node-b:30080' })[0]!.disposition).toBe('delivered');
  });

  it('every address is labelled with its owner', () => {
    const t = trace(BASE, { dst: 'svc/web:80' })[0]!;
    const byAddr = Object.fromEntries((t.labels ?? []).map((l) => [l.address, `${l.kind} ${l.name}`]));
    expect(byAddr['10.96.0.10']).toBe('service default/web');
    expect(byAddr['10.244.0.10']).toBe('pod default/client');
    expect(byAddr['172.31.250.11']).toBe('node node-b');
  });
});

describe('trace: findings with evidence', () => {
  it('no ready endpoints, citing the REJECT rule', () => {
    const t = trace(lab('no-endpoints'), { dst: 'svc/ghost' })[0]!;
    expect(t.disposition).toBe('rejected');
    const f = t.findings.find((x) => x.code === 'no-ready-endpoints')!;
    expect(f.evidence?.join('\n')).toMatch(/KUBE-SERVICES line \d+: .*REJECT/);
  });

  it('targetPort matching no containerPort', () => {
    expect(codes(trace(lab('wrong-target-port'), { dst: 'svc/web-typo' })[0]!)).toContain('target-port-mismatch');
  });

  it('stale conntrack entry for a deleted endpoint, with the command that clears it', () => {
    // The scenario deletes a random web pod: its IP is the one the fixture's oracle recorded.
    const oracle = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/lab/stale-conntrack.oracle.json'), 'utf8')) as {
      deletedPods: string[];
      podIPs: Record<string, string>;
    };
    const victimIP = oracle.podIPs[oracle.deletedPods[0] ?? ''];
    expect(victimIP).toMatch(/^10\.244\./);
    const f = trace(lab('stale-conntrack'), { dst: 'svc/web:53' })[0]!.findings.find((x) => x.code === 'stale-conntrack')!;
    expect(f.message).toContain(victimIP);
    expect(f.hint).toBe(`conntrack -D -d 10.96.0.10 -r ${victimIP}`);
  });

  it('the stale entry decides the flow it names: that UDP flow is blackholed', () => {
    const t = trace(lab('stale-conntrack'), { dst: 'svc/web:53', sport: 40053 })[0]!;
    expect(t.branches.map((b) => b.disposition)).toEqual(['dropped']);
    expect(t.branches[0]!.hops[0]!.steps.some((s) => s.kind === 'conntrack')).toBe(true);
  });

  it('forwarding disabled and strict rp_filter name the node and the sysctl', () => {
    expect(codes(trace(lab('ip-forward-off'), { dst: 'pod/web-1:8080' })[0]!)).toContain('forwarding-disabled');
    const rp = trace(lab('rp-filter-strict'), { dst: 'pod/web-1:8080' })[0]!;
    expect(rp.findings.find((f) => f.code === 'rp-filter')?.message).toMatch(/node-b:flannel\.1/);
  });

  it('a missing pod-network route: the default route is followed, and said to be wrong', () => {
    const t = trace(lab('missing-route'), { dst: 'pod/web-1:8080' })[0]!;
    expect(t.disposition).toBe('insufficient-info');
    expect(t.findings.find((f) => f.code === 'no-route-to-pod-cidr')?.message).toMatch(/node-a has no route to 10\.244\.1\.0\/24/);
  });

  it('a FORWARD drop hits one endpoint in three', () => {
    const t = trace(lab('forward-drop'), { dst: 'svc/web:80' })[0]!;
    const dropped = t.branches.filter((b) => b.disposition === 'dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]!.probability).toBeCloseTo(1 / 3, 6);
    expect(t.disposition).toBe('dropped');
  });

  it('session affinity is reported', () => {
    expect(codes(trace(BASE, { dst: 'svc/sticky:80' })[0]!)).toContain('session-affinity');
    expect(codes(trace(BASE, { dst: 'svc/web:80' })[0]!)).not.toContain('session-affinity');
  });

  it('session affinity is data on the paths that met it (the recent list), and the finding reads that, not the notes', () => {
    const sticky = trace(BASE, { dst: 'svc/sticky:80' })[0]!;
    const delivered = sticky.branches.filter((b) => b.disposition === 'delivered');
    expect(delivered.length).toBeGreaterThan(0);
    for (const b of delivered) expect(b.affinity).toMatch(/^recent KUBE-SEP-/);
    expect(sticky.findings.find((f) => f.code === 'session-affinity')?.evidence).toEqual([...new Set(delivered.map((b) => b.affinity))]);
    const reworded = { ...sticky, branches: sticky.branches.map((b) => ({ ...b, notes: b.notes.map(() => 'something else') })) };
    expect(affinity(reworded).map((f) => f.code)).toEqual(['session-affinity']);
    const without = { ...sticky, branches: sticky.branches.map(({ affinity: _a, ...b }) => b) };
    expect(affinity(without)).toEqual([]);
  });

  it('NodePort from a pod through another node is masqueraded by design: no pod-masquerade finding', () => {
    expect(codes(trace(BASE, { dst: 'node/node-b:30080' })[0]!)).not.toContain('pod-masquerade');
  });
});
