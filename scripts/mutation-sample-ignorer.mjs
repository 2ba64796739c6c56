// Stryker ignorer plugin for `npm run mutation:sample` (scripts/mutation-sample.mjs): Stryker tests only the
// mutants the sample drew. The sample's mutate ranges already narrow Stryker to the drawn nodes, but a range also
// takes in every node inside it (a drawn block would bring all its statements); this ignores each node that neither
// is a drawn node nor holds one, so what runs is the sample and little else.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

const SAMPLE = process.env.NETX_MUTATION_SAMPLE;
if (SAMPLE === undefined) throw new Error('NETX_MUTATION_SAMPLE is not set: run `npm run mutation:sample`');

/** Drawn node locations by file, in Babel's numbering (lines from 1, columns from 0). */
const drawn = new Map();
for (const m of JSON.parse(readFileSync(SAMPLE, 'utf8')).sample) {
  const loc = { start: { line: m.loc.start.line + 1, column: m.loc.start.column }, end: { line: m.loc.end.line + 1, column: m.loc.end.column } };
  drawn.set(m.file, [...(drawn.get(m.file) ?? []), loc]);
}

const before = (a, b) => a.line < b.line || (a.line === b.line && a.column <= b.column);
const holds = (outer, inner) => before(outer.start, inner.start) && before(inner.end, outer.end);

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'netx-sample', {
    shouldIgnore(nodePath) {
      const loc = nodePath.node.loc;
      const file = nodePath.hub?.file?.opts?.filename;
      if (!loc || typeof file !== 'string') return undefined;
      const locs = drawn.get(path.relative(process.cwd(), file).split(path.sep).join('/')) ?? [];
      return locs.some((d) => holds(loc, d)) ? undefined : 'not drawn by the mutation sample';
    },
  }),
];
