/**
 * `-o mermaid`: the trace as a flowchart. One subgraph per node; inside it one box per distinct hop
 * (paths that do the same thing on a node share the box), labelled with what happened there: the
 * interface the packet arrived on, each NAT rewrite, the tunnel (as the step says it), the interface
 * it left by, and for a failing path the rule or route that ended it (-v adds every rule that
 * decided). Edges carry the odds of the paths that take them; the end of each path is a pod or the
 * packet leaving the cluster (green), or the failure (red). Labels are wrapped, never cut, and quotes are escaped.
 */
import { isFailure, type Branch, type Hop, type Step, type Trace } from '../sim/trace.js';
import { hostPort } from '../sim/packet.js';
import { natChange, pct, stepLine, storySteps } from './trace-story.js';

export interface MermaidOptions {
  /** Every rule that decided, in each hop's box. */
  verbose?: boolean;
}

const LINE = 48;

/** Mermaid label text: wrapped at word boundaries with <br/>, quotes and angle brackets as entities. */
function mermaidLabel(lines: string[]): string {
  const esc = (s: string): string => s.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
  return `"${lines.flatMap((l) => wrap(l, LINE)).map(esc).join('<br/>')}"`;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

const first = <T>(xs: (T | undefined)[]): T | undefined => xs.find((x) => x !== undefined);

/** What happened to the packet on one hop, line by line. */
function hopLines(h: Hop, ended: Branch | undefined, verbose: boolean): string[] {
  const lines: string[] = [];
  const iif = first(h.steps.map((s) => s.packetBefore?.iif ?? s.packetAfter?.iif));
  if (iif) lines.push(`in ${iif}`);
  for (const s of h.steps) {
    if (s.kind === 'nat' && s.packetBefore && s.packetAfter) lines.push(`${(s.verdict ?? 'nat').toUpperCase()} ${natChange(s)}`.trim());
    else if (s.kind === 'encap' || s.kind === 'decap') lines.push(s.summary);
    else if (verbose && s.kind === 'netfilter' && storySteps([s], false).length > 0) lines.push(stepLine(s));
  }
  if (ended) {
    // The step that ended the branch here: a drop/reject verdict, else the last thing that happened.
    const back = [...h.steps].reverse();
    const decisive: Step | undefined = back.find((s) => s.kind === 'drop' || (s.kind === 'netfilter' && (s.action === 'drop' || s.action === 'reject' || s.action === 'policy-drop'))) ?? back.find((s) => s.kind !== 'note');
    if (decisive && !lines.includes(stepLine(decisive))) lines.push(stepLine(decisive));
  } else {
    const oif = first(h.steps.map((s) => s.packetAfter?.oif).reverse());
    if (oif) lines.push(`out ${oif}`);
  }
  return lines.length > 0 ? lines : [h.namespace === 'host' ? 'passes' : `namespace ${h.namespace}`];
}

export function renderTraceMermaid(traces: Trace[], opts: MermaidOptions = {}): string {
  const out = ['flowchart LR', '  classDef fail fill:#fdd,stroke:#c00,color:#600', '  classDef ok fill:#dfd,stroke:#080'];
  traces.forEach((t, ti) => out.push(...traceChart(t, `t${ti}`, opts.verbose === true)));
  return `${out.join('\n')}\n`;
}

function traceChart(t: Trace, p: string, verbose: boolean): string[] {
  const out: string[] = [];
  const s = t.source;
  out.push(`  ${p}src[${mermaidLabel([`${s.kind} ${s.name ?? s.ip}`, `${s.ip}${s.node ? ` (${s.node})` : ''}`])}]`);
  let entry = `${p}src`;
  if (t.destination.kind === 'service') {
    const d = t.destination;
    out.push(`  ${p}svc{{${mermaidLabel([`service ${d.name}`, `${hostPort(d.ip, d.port)}/${d.protocol.toUpperCase()}`])}}}`);
    out.push(`  ${p}src --> ${p}svc`);
    entry = `${p}svc`;
  }
  // Boxes by node, then by label: the same work on the same node is one box.
  const boxes = new Map<string, Map<string, string>>();
  const failed = new Set<string>();
  const edges = new Map<string, number>();
  const ends: string[] = [];
  const box = (node: string, label: string): string => {
    const byLabel = boxes.get(node) ?? new Map<string, string>();
    boxes.set(node, byLabel);
    let id = byLabel.get(label);
    if (!id) {
      id = `${p}h${[...boxes.values()].reduce((n, m) => n + m.size, 0)}`;
      byLabel.set(label, id);
    }
    return id;
  };
  t.branches.forEach((b, bi) => {
    let prev = entry;
    const failing = isFailure(b.disposition);
    b.hops.forEach((h, hi) => {
      const last = hi === b.hops.length - 1 && failing;
      const id = box(h.node, mermaidLabel(hopLines(h, last ? b : undefined, verbose)));
      if (last) failed.add(id);
      edges.set(`${prev} ${id}`, (edges.get(`${prev} ${id}`) ?? 0) + b.probability);
      prev = id;
    });
    const end = `${p}b${bi}end`;
    if (b.disposition === 'delivered') {
      const ep = b.endpoint;
      ends.push(`  ${end}([${mermaidLabel([ep?.pod ?? ep?.node ?? 'delivered', ep ? hostPort(ep.ip, ep.port) : ''].filter(Boolean))}])`, `  class ${end} ok`);
    } else if (!failing) {
      // Nothing failed: the packet left the cluster (egress).
      ends.push(`  ${end}([${mermaidLabel([b.disposition.toUpperCase(), b.reason])}])`, `  class ${end} ok`);
    } else {
      ends.push(`  ${end}[${mermaidLabel([b.disposition.toUpperCase(), b.reason])}]`, `  class ${end} fail`);
    }
    edges.set(`${prev} ${end}`, (edges.get(`${prev} ${end}`) ?? 0) + b.probability);
  });
  let n = 0;
  for (const [node, byLabel] of boxes) {
    out.push(`  subgraph ${p}n${n++} [${mermaidLabel([`node ${node}`])}]`);
    for (const [label, id] of byLabel) out.push(`    ${id}[${label}]`);
    out.push('  end');
  }
  out.push(...ends);
  for (const id of failed) out.push(`  class ${id} fail`);
  for (const [key, odds] of edges) {
    const [from, to] = key.split(' ');
    out.push(`  ${from} -->${odds < 0.9995 ? `|${pct(odds)}|` : ''} ${to}`);
  }
  return out;
}
