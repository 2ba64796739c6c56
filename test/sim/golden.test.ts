/**
 * The walk on the simulator's own topologies, step by step, against golden files (test/fixtures/golden/sim/): the
 * kube-proxy cases every proxy mode must agree on, in iptables mode (rules rendered as kube-proxy writes them, parsed
 * by the iptables-save parser) and IPVS mode, each also from each node itself and with a source port. walk.test.ts
 * and walk-ipvs.test.ts judge dispositions, endpoints and odds; this pins every step, reason and note, so a change to
 * any of them is a diff to read. `npx vitest run -u test/sim/golden.test.ts` rewrites the files; review the diff first.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NodeModel } from '../../src/model/node.js';
import { REPO_ROOT } from '../support/corpus.js';
import { branchLines } from '../support/trace-digest.js';
import { runCase } from './harness.js';
import { ipvsNodes } from './ipvs-mode.js';
import { iptablesNodes } from './iptables-mode.js';
import { CASES, type Case } from './kube-proxy-cases.js';

const GOLDEN = path.join(REPO_ROOT, 'test', 'fixtures', 'golden', 'sim');

/** Each case as written, from each node instead of its pod, and with a source port (one flow). */
const variants = (c: Case): Case[] => [c, { ...c, name: `${c.name} (from node-a)`, source: 'node:node-a' }, { ...c, name: `${c.name} (from node-b)`, source: 'node:node-b' }, { ...c, name: `${c.name} (sport 40000)`, sport: 40000 }];

const MODES: [string, () => NodeModel[]][] = [
  ['iptables', iptablesNodes],
  ['ipvs', ipvsNodes],
];

describe('the walk on the kube-proxy cases matches its golden file', () => {
  for (const [mode, nodes] of MODES) {
    it(mode, async () => {
      const models = nodes();
      const text = CASES.flatMap(variants).map((c) => [`# ${c.name}: ${c.source} → ${c.destination}:${c.port}/${c.proto ?? 'tcp'}`, ...runCase(models, c).flatMap(branchLines)].join('\n'));
      await expect(`${text.join('\n\n')}\n`).toMatchFileSnapshot(path.join(GOLDEN, `kube-proxy-${mode}.txt`));
    });
  }
});
