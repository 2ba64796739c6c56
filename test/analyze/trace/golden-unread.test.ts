/**
 * Every dump of every node lost, one at a time, two ways (missing from the snapshot, failed with an error), and what
 * the trace of client → svc/web:80 then says, against golden files (test/fixtures/golden/trace-unread/): each
 * branch's disposition, reason and cause, and the findings. unreadable.test.ts and unread-oracle.test.ts judge that a
 * lost dump never flips a verdict; this pins what the trace says about each loss, so a change to it is a diff to
 * read. `npx vitest run -u test/analyze/trace/golden-unread.test.ts` rewrites the files; review the diff first.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { traceRequest } from '../../../src/analyze/trace/index.js';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import type { DumpResult, Snapshot } from '../../../src/snapshot/types.js';
import { REPO_ROOT } from '../../support/corpus.js';
import { withDump } from '../../support/snapshot.js';

const GOLDEN = path.join(REPO_ROOT, 'test', 'fixtures', 'golden', 'trace-unread');
const EXAMPLES = ['lab-flannel-iptables', 'lab-hostgw-nftables', 'lab-flannel-ipvs'];

const LOSSES: [string, (d: DumpResult) => DumpResult | undefined][] = [
  ['missing', () => undefined],
  ['failed', (d) => ({ ...d, stdout: '', exitCode: 1, stderr: 'permission denied' })],
];

function said(s: Snapshot): string[] {
  try {
    const t = traceRequest(s, { src: 'client', dst: 'svc/web:80', namespace: 'default' }, { buildNode: buildNodeModel }).traces[0]!;
    return [
      `  ${t.disposition}`,
      ...t.branches.map((b) => `  branch p=${b.probability.toFixed(6)} ${b.disposition}: ${b.reason}${b.cause ? ` cause=${JSON.stringify(b.cause)}` : ''}`),
      ...t.findings.map((f) => `  finding ${f.severity} ${f.code}: ${f.message}`),
    ];
  } catch (e) {
    return [`  error ${(e as Error).name}: ${(e as Error).message}`];
  }
}

describe('the trace with each dump lost matches its golden file', () => {
  for (const example of EXAMPLES) {
    it(example, async () => {
      const file = `examples/${example}.snapshot.json`;
      const snap = parseSnapshot(readFileSync(path.join(REPO_ROOT, file), 'utf8'), file);
      const cases = Object.entries(snap.nodes).flatMap(([node, capture]) =>
        Object.keys(capture.dumps).sort().flatMap((key) => LOSSES.map(([how, loss]) => [`# ${node} ${key} ${how}`, ...said(withDump(snap, node, key, (d) => loss(d!)))].join('\n'))),
      );
      await expect(`${cases.join('\n\n')}\n`).toMatchFileSnapshot(path.join(GOLDEN, `${example}.txt`));
    });
  }
});
