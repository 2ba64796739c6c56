/**
 * netx's predictions against the kernel: every lab scenario with a snapshot and an oracle file
 * (test/fixtures/lab, examples/). Per observed case: the disposition, the set of endpoints (and
 * whether the odds fit the counts), the NAT tuple conntrack recorded, and the netfilter rule
 * sequence `nft monitor trace` printed for the first packet. Prints "cases checked / agreed".
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import { buildNodeModel } from '../../../src/model/build-node.js';
import { traceRequest } from '../../../src/analyze/trace/index.js';
import { buildWorld } from '../../../src/analyze/trace/world.js';
import { newPacket, simulate, mergeBranches, type Branch, type Finding } from '../../../src/sim/index.js';
import { REPO_ROOT } from '../../support/corpus.js';
import type { Observation } from '../../lab/oracle.js';
import { compareCase, type Verdict } from './oracle-compare.js';

interface OracleFile {
  scenario: string;
  topology: string;
  proxyMode: string;
  snapshot: string;
  observations: Observation[];
}

const LAB = path.join(REPO_ROOT, 'test', 'fixtures', 'lab');
const files = existsSync(LAB) ? readdirSync(LAB).filter((f) => f.endsWith('.oracle.json')).sort() : [];

function predict(snapshotPath: string, o: Observation): { branches: Branch[]; findings: Finding[] } {
  const snapshot = parseSnapshot(readFileSync(snapshotPath, 'utf8'), snapshotPath);
  const proto = o.case.to.protocol.toLowerCase() as 'tcp' | 'udp';
  if (o.source.namespace === 'pod') {
    const sport = (o.case as { sourcePort?: number }).sourcePort;
    const r = traceRequest(snapshot, { src: o.case.from, dst: `${o.case.to.ip}:${o.case.to.port}`, namespace: 'default', protocol: proto, ...(sport ? { sport } : {}) }, { buildNode: buildNodeModel });
    return { branches: r.traces[0]!.branches, findings: r.traces[0]!.findings };
  }
  // From the underlay (outside the cluster): arrives on the interface of the node that owns the address.
  const tw = buildWorld(snapshot, buildNodeModel);
  const node = tw.world.nodeByAddr.get(o.case.to.ip)!;
  const iif = tw.models.get(node)!.addresses.find((a) => a.local === o.case.to.ip)!.ifname;
  return { branches: mergeBranches(simulate(tw.world, newPacket({ proto, saddr: o.source.ip, daddr: o.case.to.ip, dport: o.case.to.port }), { kind: 'interface', node, iif })), findings: [] };
}

const results: { id: string; verdict: Verdict }[] = [];

describe('predictions agree with the kernel oracle', () => {
  for (const f of files) {
    const oracle = JSON.parse(readFileSync(path.join(LAB, f), 'utf8')) as OracleFile;
    const snap = path.join(REPO_ROOT, oracle.snapshot);
    describe.skipIf(!existsSync(snap))(`${oracle.scenario} (${oracle.topology}, ${oracle.proxyMode})`, () => {
      for (const o of oracle.observations) {
        it(o.case.id, () => {
          const p = predict(snap, o);
          const verdict = compareCase(o, p.branches, p.findings);
          results.push({ id: `${f}:${o.case.id}`, verdict });
          expect(verdict.problems, verdict.problems.join('\n')).toEqual([]);
        });
      }
    });
  }

  it('reports the agreement', () => {
    const agreed = results.filter((r) => r.verdict.problems.length === 0).length;
    const rules = results.reduce((s, r) => s + r.verdict.ruleNodesCompared, 0);
    console.log(`kernel oracle: ${results.length} cases checked / ${agreed} agreed (rule sequences compared on ${rules} node paths)`);
    expect(results.length).toBeGreaterThan(0);
  });
});
