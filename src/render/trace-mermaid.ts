/** `-o mermaid`: the path as a flowchart — source, service, nodes per branch with odds, the failing hop in red. */
import type { Trace } from '../sim/trace.js';
import { hostPort } from '../sim/packet.js';
import { pct } from './trace-story.js';

const q = (s: string): string => `"${s.replace(/"/g, '#quot;')}"`;

export function renderTraceMermaid(traces: Trace[]): string {
  const out = ['flowchart LR', '  classDef fail fill:#fdd,stroke:#c00,color:#600', '  classDef ok fill:#dfd,stroke:#080'];
  traces.forEach((t, ti) => {
    const p = `t${ti}`;
    const s = t.source;
    out.push(`  ${p}src[${q(`${s.kind} ${s.name ?? s.ip}<br/>${s.ip}${s.node ? ` (${s.node})` : ''}`)}]`);
    let entry = `${p}src`;
    if (t.destination.kind === 'service') {
      out.push(`  ${p}svc{{${q(`service ${t.destination.name}<br/>${hostPort(t.destination.ip, t.destination.port)}/${t.destination.protocol.toUpperCase()}`)}}}`);
      out.push(`  ${p}src --> ${p}svc`);
      entry = `${p}svc`;
    }
    t.branches.forEach((b, bi) => {
      const id = `${p}b${bi}`;
      let prev = entry;
      let label = `|${pct(b.probability)}|`;
      b.hops.forEach((h, hi) => {
        const node = `${id}h${hi}`;
        out.push(`  ${node}[${q(`node ${h.node}`)}]`);
        out.push(`  ${prev} -->${label} ${node}`);
        label = '';
        prev = node;
      });
      const end = `${id}end`;
      if (b.disposition === 'delivered') {
        const ep = b.endpoint;
        out.push(`  ${end}([${q(`${ep?.pod ?? ep?.node ?? ''}<br/>${ep ? hostPort(ep.ip, ep.port) : ''}`)}])`);
        out.push(`  class ${end} ok`);
      } else {
        out.push(`  ${end}[${q(`${b.disposition.toUpperCase()}<br/>${b.reason.slice(0, 80)}`)}]`);
        out.push(`  class ${end} fail`);
        if (b.hops.length > 0) out.push(`  class ${prev} fail`);
      }
      out.push(`  ${prev} -->${label} ${end}`);
    });
  });
  return `${out.join('\n')}\n`;
}
