/**
 * What the parsers read from real dumps, in full, against golden files a person reviewed (test/fixtures/golden/parse/):
 * each example snapshot's node models (every dump a kernel in the lab wrote, built as the trace reads them), every
 * kernel-produced fixture and every corpus file from real clusters. The property, corpus and kernel tests judge what the values mean; this pins all
 * of each value, warnings included, so that a change to how any field is read is a diff to read.
 * `npx vitest run -u test/parse/golden.test.ts` rewrites the files after a deliberate change; review the diff first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { parseSnapshot } from '../../src/snapshot/io.js';
import { REPO_ROOT } from '../support/corpus.js';
import { forced, lines, outcome, readers } from './readers.js';

const GOLDEN = path.join(REPO_ROOT, 'test', 'fixtures', 'golden', 'parse');

describe('every fixture and corpus file a parser reads matches its golden file', () => {
  for (const r of readers()) {
    it(r.name, async () => {
      await expect(`${outcome(() => r.parse(r.text(), r.file))}\n`).toMatchFileSnapshot(path.join(GOLDEN, `${r.name}.txt`));
    });
  }
});

const EXAMPLES = readdirSync(path.join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.snapshot.json')).sort();

describe("every example snapshot's node models match their golden file", () => {
  for (const f of EXAMPLES) {
    it(f, async () => {
      const snap = parseSnapshot(readFileSync(path.join(REPO_ROOT, 'examples', f), 'utf8'), f);
      const models = Object.entries(snap.nodes).map(([name, capture]) => {
        const m = buildNodeModel(name, capture);
        forced(m.ruleset);
        // Each dump's tables are what `ruleset` merges: name them here, show their rules once, there.
        const dumps = m.netfilterDumps?.map((d) => ({ ...d, tables: d.tables.map((t) => `${t.family} ${t.name} (${t.origin})`) }));
        return `## ${name}\n${lines({ ...m, netfilterDumps: dumps })}`;
      });
      await expect(`${models.join('\n\n')}\n`).toMatchFileSnapshot(path.join(GOLDEN, 'nodes', f.replace('.snapshot.json', '.txt')));
    });
  }
});

const LAB_SNAPSHOTS = readdirSync(path.join(REPO_ROOT, 'test', 'fixtures', 'lab')).filter((f) => f.endsWith('.snapshot.json')).sort();

describe("every lab snapshot's node models, in short, match their golden file", () => {
  // What the builder decided (backends, dumps read or not, gaps, warnings) and how much it read; the examples above
  // show whole models.
  for (const f of LAB_SNAPSHOTS) {
    it(f, async () => {
      const snap = parseSnapshot(readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'lab', f), 'utf8'), f);
      const models = Object.entries(snap.nodes).map(([name, capture]) => {
        const m = buildNodeModel(name, capture);
        const tables = forced(m.ruleset).tables.map((t) => `${t.family} ${t.name} (${t.origin}): ${t.chains.map((c) => `${c.name}/${c.rules.length}`).join(' ')}`);
        const counts = { links: m.links.length, addresses: m.addresses.length, rules: m.rules.length, routes: m.routes.length, neighbours: m.neighbours.length, fdb: m.fdb.length, conntrack: m.conntrack.length, ipvs: m.ipvs.length, sysctl: Object.keys(m.sysctl).length };
        const dumps = m.netfilterDumps?.map((d) => ({ ...d, tables: d.tables.map((t) => `${t.family} ${t.name}`) }));
        const { have, iptablesOrigin, warnings, gaps, failures, kubeProxyMode, cni } = m;
        return `## ${name}\n${lines({ counts, tables, have, iptablesOrigin, netfilterDumps: dumps, warnings, gaps, failures, kubeProxyMode, cni })}`;
      });
      await expect(`${models.join('\n\n')}\n`).toMatchFileSnapshot(path.join(GOLDEN, 'lab-nodes', f.replace('.snapshot.json', '.txt')));
    });
  }
});
