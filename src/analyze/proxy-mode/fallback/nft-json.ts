/**
 * STAND-IN for src/parse/netfilter/nft-json.ts (same signature). Reads tables, chains, rules
 * (jump/goto targets only) and set/map element counts from `nft -j list ruleset`. Replace with the
 * real parser once it lands.
 */
import { ParseError } from '../../../parse/error.js';
import type { Parsed } from '../../../parse/parsed.js';
import { parseJsonText } from '../../../parse/text.js';
import type { Chain, Expr, Family, MapElement, Ruleset, Table } from '../../../model/netfilter.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseNftJson(text: string, opts: { source: string }): Parsed<Ruleset> {
  const doc = parseJsonText(text, opts.source);
  if (!isObj(doc) || !Array.isArray(doc.nftables)) throw new ParseError(opts.source, 'not an nft JSON document: no top-level "nftables" array');
  const tables = new Map<string, Table>();
  const tableOf = (o: Obj, i: number): Table => {
    const key = `${String(o.family)} ${String(o.table ?? o.name)}`;
    const t = tables.get(key);
    if (!t) throw new ParseError(opts.source, `object refers to unknown table ${key}`, undefined, undefined, `nftables[${i}]`);
    return t;
  };
  doc.nftables.forEach((item: unknown, i: number) => {
    if (!isObj(item)) return;
    const [kind, body] = Object.entries(item)[0] ?? [];
    if (!isObj(body)) return;
    if (kind === 'table') {
      tables.set(`${String(body.family)} ${String(body.name)}`, { family: String(body.family) as Family, name: String(body.name), origin: 'nft', chains: [], sets: [] });
    } else if (kind === 'chain') {
      const chain: Chain = { name: String(body.name), rules: [], handle: Number(body.handle) };
      tableOf(body, i).chains.push(chain);
    } else if (kind === 'rule') {
      const table = tableOf(body, i);
      const chain = table.chains.find((c) => c.name === body.chain);
      if (!chain) throw new ParseError(opts.source, `rule in unknown chain ${String(body.chain)}`, undefined, undefined, `nftables[${i}]`);
      chain.rules.push({ index: chain.rules.length, handle: Number(body.handle), text: '', exprs: verdictsIn(body.expr) });
    } else if (kind === 'set' || kind === 'map') {
      const elements: MapElement[] = (Array.isArray(body.elem) ? body.elem : []).map((e: unknown) => ({ key: { kind: 'symbol', value: JSON.stringify(e) }, value: { kind: 'symbol', value: '' } }));
      tableOf(body, i).sets.push({ name: String(body.name), type: String(body.type), flags: [], elements });
    }
  });
  return { value: { tables: [...tables.values()], warnings: [] }, warnings: [] };
}

function verdictsIn(exprs: unknown): Expr[] {
  if (!Array.isArray(exprs)) return [];
  const out: Expr[] = [];
  for (const e of exprs) {
    if (!isObj(e)) continue;
    for (const v of ['jump', 'goto'] as const) {
      const t = e[v];
      if (isObj(t)) out.push({ kind: 'verdict', verdict: v, target: String(t.target) });
    }
  }
  return out;
}
