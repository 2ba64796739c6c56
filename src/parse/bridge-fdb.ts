/** `bridge -j fdb show` and the plain `bridge fdb show` text form → FdbEntry[]. */
import type { FdbEntry } from '../model/node.js';
import { ParseError, type ParseWarning } from '../util/parse-error.js';
import { JsonReader } from './json-reader.js';
import { assignDefined, type Parsed, type SourceOpts } from './parsed.js';
import { looksLikeJson, parseJsonText, splitLines, tokenize, toInt } from './text.js';

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const FLAG_WORDS = new Set(['self', 'master', 'router', 'extern_learn', 'offload', 'sticky', 'use']);
const STATE_WORDS = new Set(['permanent', 'static', 'dynamic', 'stale', 'noarp', 'reachable']);
const VALUE_KEYS = new Set(['dev', 'master', 'dst', 'vlan', 'vni', 'port', 'src_vni', 'via', 'nhid']);

/** Parses either form; JSON is recognised by its first non-blank character. */
export function parseBridgeFdb(text: string, opts: SourceOpts): Parsed<FdbEntry[]> {
  return looksLikeJson(text) ? fdbJson(text, opts) : fdbText(text, opts);
}

function fdbJson(text: string, opts: SourceOpts): Parsed<FdbEntry[]> {
  const r = new JsonReader(opts.source);
  const value = r.array(parseJsonText(text, opts.source), '$').map((item, i) => {
    const p = `$[${i}]`;
    const o = r.object(item, p);
    const state = r.optStr(o, 'state', p);
    const e: FdbEntry = { mac: r.str(o, 'mac', p), ifname: r.str(o, 'ifname', p), flags: r.strings(o, 'flags', p) };
    return assignDefined(e, {
      master: r.optStr(o, 'master', p),
      dst: r.optStr(o, 'dst', p),
      vlan: r.optNum(o, 'vlan', p),
      vni: r.optNum(o, 'vni', p),
      // An empty state is a learned (dynamic) entry.
      state: state === undefined ? undefined : state === '' ? 'dynamic' : state,
    });
  });
  return { value, warnings: [] };
}

function fdbText(text: string, opts: SourceOpts): Parsed<FdbEntry[]> {
  const warnings: ParseWarning[] = [];
  const value: FdbEntry[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const toks = tokenize(raw);
    const mac = toks[0]!;
    if (!MAC.test(mac.text)) throw new ParseError(opts.source, `"${mac.text}" is not a MAC address`, line, mac.column);
    const e: FdbEntry = { mac: mac.text, ifname: '', flags: [] };
    for (let k = 1; k < toks.length; k++) {
      const t = toks[k]!;
      const v = toks[k + 1];
      if (VALUE_KEYS.has(t.text) && v) {
        k++;
        if (t.text === 'dev') e.ifname = v.text;
        else if (t.text === 'master') e.master = v.text;
        else if (t.text === 'dst') e.dst = v.text;
        else if (t.text === 'vlan' || t.text === 'vni') {
          const n = toInt(v.text);
          if (n === undefined) throw new ParseError(opts.source, `"${t.text}" needs a number`, line, v.column);
          e[t.text] = n;
        }
      } else if (FLAG_WORDS.has(t.text)) e.flags.push(t.text);
      else if (STATE_WORDS.has(t.text)) e.state = t.text;
      else warnings.push({ code: 'unknown-keyword', message: `fdb keyword "${t.text}" is not interpreted`, line });
    }
    if (e.ifname === '') throw new ParseError(opts.source, 'fdb entry without "dev"', line, 1);
    e.state ??= 'dynamic';
    value.push(e);
  });
  return { value, warnings };
}
