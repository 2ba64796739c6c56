/**
 * A dump that could not be read never turns into a certain answer the kernel contradicts. For every lab scenario with
 * kernel observations, every node and every dataplane dump of it, the dump is lost three ways (not collected, failed
 * with exit 124, garbage that does not parse); each observed case is predicted again from the damaged snapshot. Every
 * branch must then be either uncertain (naming the node and the dump: a `state-unread` cause) or agree with what the
 * kernel did. Losing a dump may cost certainty; it may not cost truth.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { DUMP_STATE } from '../../../src/model/gaps.js';
import type { NodeModel } from '../../../src/model/node.js';
import type { Branch } from '../../../src/sim/trace.js';
import type { DumpResult, NodeCapture, Snapshot } from '../../../src/snapshot/types.js';
import { REPO_ROOT } from '../../support/corpus.js';
import type { Observation } from '../../lab/oracle.js';
import { SEEN, predictCase } from './oracle-compare.js';

const LAB = path.join(REPO_ROOT, 'test', 'fixtures', 'lab');
const files = readdirSync(LAB).filter((f) => f.endsWith('.oracle.json')).sort();

type Damage = 'missing' | 'exit-124' | 'garbage';
const DAMAGES: Damage[] = ['missing', 'exit-124', 'garbage'];

function damaged(s: Snapshot, node: string, key: string, how: Damage): Snapshot {
  const dumps: Partial<Record<string, DumpResult>> = { ...s.nodes[node]!.dumps };
  const d = dumps[key]!;
  if (how === 'missing') delete dumps[key];
  else if (how === 'exit-124') dumps[key] = { ...d, stdout: '', encoding: 'utf8', exitCode: 124, stderr: 'timeout: sending signal TERM to command' };
  else dumps[key] = { ...d, stdout: 'garbage {\n', encoding: 'utf8' };
  const capture: NodeCapture = { ...s.nodes[node]!, dumps };
  return { ...s, nodes: { ...s.nodes, [node]: capture } };
}

const short = (pod?: string): string => (pod ?? '').split('/').pop() ?? '';

/** What a client of this branch sees, as the oracle's outcome keys (`answered:web-1`, `timeout`, …). */
function explains(b: Branch, key: string): boolean {
  const [kind, who] = key.split(':');
  // A port nobody listens on is refused although the packet is delivered (trace says so with a finding).
  if (b.disposition === 'delivered' && kind === 'refused') return true;
  if (!(SEEN[b.disposition] ?? []).includes(kind!)) return false;
  return kind !== 'answered' || who === (short(b.endpoint?.pod) || (b.endpoint?.owner === 'external' ? 'external' : ''));
}

/**
 * The certain claims the kernel contradicts: an outcome no branch can explain while every branch is certain, or a
 * certain branch likely enough to show in the attempts (p × attempts ≥ 3, as oracle-compare.ts) that never did.
 */
function contradictions(o: Observation, branches: Branch[]): string[] {
  const open = (b: Branch): boolean => b.disposition === 'uncertain' || b.disposition === 'insufficient-info';
  const kinds = Object.keys(o.outcomes);
  const out: string[] = [];
  if (!branches.some(open)) for (const k of kinds) if (!branches.some((b) => explains(b, k))) out.push(`kernel saw ${k}; netx predicts only ${branches.map((b) => `${b.disposition} ${short(b.endpoint?.pod)}`).join(', ')} (${branches[0]?.reason ?? ''})`);
  const affinity = branches.some((b) => b.notes.some((n) => /affinity/.test(n)));
  for (const b of branches) {
    if (open(b) || affinity || o.attempts * b.probability < 3) continue;
    if (!kinds.some((k) => explains(b, k))) out.push(`${b.disposition} ${short(b.endpoint?.pod)} (${b.reason}); kernel: ${kinds.join(', ')}`);
  }
  return out;
}

/** Models of undamaged captures are shared across variants (one parse each); the walker does not change them. */
const models = new WeakMap<NodeCapture, NodeModel>();
const buildNode = (name: string, c: NodeCapture): NodeModel => {
  let m = models.get(c);
  if (!m) models.set(c, (m = buildNodeModel(name, c)));
  return m;
};

const tally = { variants: 0, cases: 0, uncertain: 0 };

describe('a lost dump never makes a certain claim the kernel contradicts', () => {
  for (const f of files) {
    const oracle = JSON.parse(readFileSync(path.join(LAB, f), 'utf8')) as { snapshot: string; observations: Observation[] };
    const snapPath = path.join(REPO_ROOT, oracle.snapshot);
    if (!existsSync(snapPath)) continue;
    it(f.replace('.oracle.json', ''), () => {
      const snapshot = parseSnapshot(readFileSync(snapPath, 'utf8'), snapPath);
      const problems: string[] = [];
      for (const node of Object.keys(snapshot.nodes)) {
        for (const key of Object.keys(snapshot.nodes[node]!.dumps).filter((k) => DUMP_STATE[k] !== undefined)) {
          for (const how of DAMAGES) {
            const s = damaged(snapshot, node, key, how);
            tally.variants++;
            for (const o of oracle.observations) {
              const p = predictCase(s, o, buildNode);
              tally.cases++;
              if (p.branches.some((b) => b.cause?.code === 'state-unread')) tally.uncertain++;
              for (const c of contradictions(o, p.branches)) problems.push(`${node} ${key} ${how} / ${o.case.id}: ${c}`);
            }
          }
        }
      }
      expect([...new Set(problems.map((p) => p.replace(/ \/ [^:]+:/, ":")))].slice(0, 30).join("\n")).toEqual("");
    });
  }

  it('checked every variant', () => {
    console.log(`lost dumps: ${tally.variants} damaged snapshots, ${tally.cases} kernel cases predicted again, ${tally.uncertain} of them honestly uncertain`);
    expect(tally.cases).toBeGreaterThan(1000);
  });
});
