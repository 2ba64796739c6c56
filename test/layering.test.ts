/**
 * The layers of docs/design (README "Layout"), said as a test over every import in src/:
 * - a folder imports only the folders its row allows (type-only imports too: a type is a dependency);
 * - the pure folders (parse, model, sim, analyze, render, snapshot) do no I/O: no file system, network,
 *   process or clock, no package that does I/O, and never reach the shell (cluster, probe, cli, commands);
 * - a node's dumps are read by parse/node (the node-model builder) and analyses take its NodeModel;
 * - no import cycle between files, inside a folder or across folders.
 *
 * design.md draws the pipeline snapshot → parse → model → sim → analyze → render (data flows that way); imports
 * follow what each layer needs: parsers produce the model's types, so parse imports model; the walker works on
 * the model; analyses run the walker and build node models through parse/node; renderers print reports.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/corpus.js';

const SRC = path.join(REPO_ROOT, 'src');

/** Each folder and the folders it may import (besides itself). Arrows point down the list only. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  commands: ['cli', 'cluster', 'probe', 'snapshot', 'parse', 'model', 'sim', 'analyze', 'render', 'util'],
  cli: ['cluster', 'probe', 'snapshot', 'parse', 'model', 'sim', 'analyze', 'render', 'util'],
  probe: ['cluster', 'snapshot', 'parse', 'model', 'util'],
  cluster: ['snapshot', 'model', 'util'],
  render: ['analyze', 'sim', 'model', 'snapshot', 'util'],
  analyze: ['sim', 'parse', 'model', 'snapshot', 'util'],
  sim: ['model', 'util'],
  parse: ['model', 'snapshot', 'util'],
  model: ['snapshot', 'util'],
  snapshot: ['util'],
  util: [],
};
const PURE = ['parse', 'model', 'sim', 'analyze', 'render', 'snapshot'];
/** Packages a pure folder may load at run time (type-only imports are free): they compute, they do no I/O. */
const PURE_PACKAGES = ['ipaddr.js', 'yaml', 'chalk', 'ajv', 'node:buffer', 'node:zlib', /* createRequire for the bundled schema JSON */ 'node:module'];
/** The parsers of node dumps: only parse/ itself (parse/node, the builder) uses them. */
const NODE_DUMP_PARSERS = /^parse\/(netfilter|iproute|ipvs|iptables-origin|conntrack|bridge-fdb|sysctl)\b/;
/** I/O and ambient state a pure file must not touch. */
const IMPURE = [
  /\bfrom 'node:(fs|fs\/promises|net|http|https|http2|child_process|os|process|dgram|dns|tls|worker_threads)'/,
  /\bprocess\.(env|argv|stdout|stderr|stdin|exit|cwd|hrtime)\b/,
  /\bDate\.now\(\)/,
  /\bnew Date\(\)/,
  /\bperformance\.now\(\)/,
  /\bMath\.random\(\)/,
];

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'([^']+)'|^\s*import\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/gm;

interface Import {
  spec: string;
  typeOnly: boolean;
}

/** Every import and re-export of one file: static, side-effect and dynamic. */
function importsIn(text: string): Import[] {
  return [...text.matchAll(IMPORT)].map((m) => {
    const named = /^\{([^}]*)\}$/.exec((m[3] ?? '').trim())?.[1];
    const allTypes = named !== undefined && named.split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '));
    return { spec: m[4] ?? m[5] ?? m[6]!, typeOnly: m[2] !== undefined || (m[4] !== undefined && allTypes) };
  });
}

/** Relative imports of one file, resolved to src/-relative .ts paths. */
function importsOf(file: string, text: string): Edge[] {
  return importsIn(text)
    .filter((i) => i.spec.startsWith('.'))
    .map((i) => ({ from: path.relative(SRC, file), to: path.relative(SRC, path.resolve(path.dirname(file), i.spec.replace(/\.js$/, '.ts'))), typeOnly: i.typeOnly }));
}

const SOURCES = files(SRC);
const TEXT = new Map(SOURCES.map((f) => [path.relative(SRC, f), readFileSync(f, 'utf8')]));
const EDGES = SOURCES.flatMap((f) => importsOf(f, TEXT.get(path.relative(SRC, f))!));
const folderOf = (rel: string): string => rel.split(path.sep)[0]!;

/** Strongly connected components with more than one file (Tarjan), each as its sorted file list. */
function cycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('layers', () => {
  it('every src/ folder has a row', () => {
    expect(readdirSync(SRC).filter((f) => !MAY_IMPORT[f])).toEqual([]);
  });

  it('the table itself has no cycle, so no two folders can import each other', () => {
    const edges = Object.entries(MAY_IMPORT).flatMap(([from, tos]) => tos.map((to) => ({ from, to, typeOnly: false })));
    expect(cycles(edges)).toEqual([]);
  });

  it('imports between folders point down the layers', () => {
    const wrong = EDGES.filter((e) => folderOf(e.from) !== folderOf(e.to) && !MAY_IMPORT[folderOf(e.from)]!.includes(folderOf(e.to)));
    expect(wrong.map((e) => `${e.from} → ${e.to}${e.typeOnly ? ' (type)' : ''}`)).toEqual([]);
  });

  it('no import cycle between files (runtime and type imports)', () => {
    expect(cycles(EDGES)).toEqual([]);
  });

  it('analyses read node dumps through the node model (parse/node), not with the dump parsers', () => {
    const direct = EDGES.filter((e) => folderOf(e.from) === 'analyze' && NODE_DUMP_PARSERS.test(e.to)).map((e) => e.from);
    expect([...new Set(direct)].sort()).toEqual([]);
  });

  it.each(PURE)('src/%s loads only packages that compute', (folder) => {
    const loads = [...TEXT]
      .filter(([rel]) => folderOf(rel) === folder)
      .flatMap(([rel, text]) => importsIn(text).filter((i) => !i.spec.startsWith('.') && !i.typeOnly && !PURE_PACKAGES.includes(i.spec)).map((i) => `${rel}: ${i.spec}`));
    expect(loads).toEqual([]);
  });

  it.each(PURE)('src/%s does no I/O and reads no clock, process or randomness', (folder) => {
    const hits = [...TEXT].filter(([rel]) => folderOf(rel) === folder).flatMap(([rel, text]) =>
      text.split('\n').flatMap((line, i) => (IMPURE.some((re) => re.test(line)) ? [`${rel}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(hits).toEqual([]);
  });
});
