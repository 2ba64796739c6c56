/** `ip -j neigh show` and the plain `ip neigh` text form → Neighbour[]. */
import type { Neighbour } from '../../model/node.js';
import { ParseError, type ParseWarning } from '../../util/parse-error.js';
import { JsonReader } from '../json-reader.js';
import { assignDefined, type Parsed, type SourceOpts } from '../parsed.js';
import { looksLikeJson, parseJsonText, splitLines, tokenize } from '../text.js';
import { familyOf, isIp } from '../../util/addr.js';

const STATES = new Set(['PERMANENT', 'NOARP', 'REACHABLE', 'STALE', 'NONE', 'INCOMPLETE', 'DELAY', 'PROBE', 'FAILED']);

/** Parses either form; JSON is recognised by its first non-blank character. */
export function parseIpNeigh(text: string, opts: SourceOpts): Parsed<Neighbour[]> {
  const warnings: ParseWarning[] = [];
  if (looksLikeJson(text)) {
    const r = new JsonReader(opts.source);
    const value = r.array(parseJsonText(text, opts.source), '$').map((item, i) => {
      const p = `$[${i}]`;
      const o = r.object(item, p);
      const dst = r.str(o, 'dst', p);
      if (!isIp(dst)) r.fail(`${p}.dst`, `"${dst}" is not an address`);
      const n: Neighbour = { family: familyOf(dst), dst, dev: r.optStr(o, 'dev', p) ?? '', state: r.strings(o, 'state', p) };
      return assignDefined(n, { lladdr: r.optStr(o, 'lladdr', p), router: 'router' in o ? true : undefined });
    });
    return { value, warnings };
  }
  const value: Neighbour[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const toks = tokenize(raw);
    const dst = toks[0]!;
    if (!isIp(dst.text)) throw new ParseError(opts.source, `"${dst.text}" is not an address`, line, dst.column);
    const n: Neighbour = { family: familyOf(dst.text), dst: dst.text, dev: '', state: [] };
    for (let k = 1; k < toks.length; k++) {
      const t = toks[k]!.text;
      const v = toks[k + 1]?.text;
      if (t === 'dev' && v) { n.dev = v; k++; }
      else if (t === 'lladdr' && v) { n.lladdr = v; k++; }
      else if (t === 'router') n.router = true;
      else if (STATES.has(t)) n.state.push(t);
      else if (t === 'proxy' || t === 'extern_learn' || t === 'offload') n.state.push(t);
      else warnings.push({ code: 'unknown-keyword', message: `neighbour keyword "${t}" is not interpreted`, line });
    }
    value.push(n);
  });
  return { value, warnings };
}
