/**
 * `nft -j list ruleset` with rules parsed on use. `nft -j` prints one compact line; most of it is rules (a
 * 10,000-service kube-proxy table is ~60 MB, and JSON.parse of it alone takes most of a second). This reader splits
 * the top-level array into its items by bracket counting, parses tables, chains, sets and maps as the eager parser
 * does, files each rule under its chain by its leading `"family","table","chain"` keys, and parses and translates a
 * chain's rules when they are first read (OnUseChain). Text of any other shape is left to the eager parser.
 */
import type { Chain, Ruleset } from '../../model/netfilter.js';
import { ParseError } from '../../util/parse-error.js';
import { NftDocument, isObj, type TableState } from './nft-document.js';
import { OnUseChain, type RuleTranslator } from './on-use-chain.js';

const PREFIX = '{"nftables":[';
/** The keys libnftables prints first for a rule and for a plain (non-base) chain, in its order. */
const RULE_HEAD = /\{"rule":\{"family":"([a-z0-9]+)","table":"([^"\\]*)","chain":"([^"\\]*)",/y;
const PLAIN_CHAIN = /\{"chain":\{"family":"([a-z0-9]+)","table":"([^"\\]*)","name":"([^"\\]*)","handle":(\d+)\}\}/y;
const XT = '{"xt":';

/** The items of a chain not parsed yet: positions in the item list, and the chain's table. */
interface Queue {
  table: TableState;
  items: number[];
}

/** The Ruleset, or undefined when the text is not shaped like nft's compact output (then parse it eagerly). */
export function parseNftJsonOnUse(text: string, source: string): Ruleset | undefined {
  const bounds = scanItems(text);
  if (!bounds) return undefined;
  const doc = new NftDocument(source);
  const count = bounds.length / 2;
  const slice = (n: number): string => text.slice(bounds[2 * n]!, bounds[2 * n + 1]!);
  const parseItem = (n: number): unknown => JSON.parse(slice(n)) as unknown;

  let meta: unknown;
  for (let n = 0; n < count && meta === undefined; n++) {
    if (!text.startsWith('{"metainfo":', bounds[2 * n]!)) continue;
    meta = safeParse(parseItem, n);
    if (meta === undefined) return undefined;
  }
  doc.checkSchema(meta);

  const queues = new Map<Chain, Queue>();
  const translator: RuleTranslator = {
    translateRules: (chain) => translateQueued(doc, chain, queues, parseItem, slice),
    countRules: (chain) => queues.get(chain)?.items.length ?? 0,
  };
  const makeChain = (name: string): Chain => new OnUseChain(name, translator);
  const xt = positionsOf(text, XT);
  let xi = 0;
  let lastHead: string | undefined;
  let last: Queue | undefined;

  for (let n = 0; n < count; n++) {
    const start = bounds[2 * n]!;
    const end = bounds[2 * n + 1]!;
    if (text.startsWith('{"rule":{', start)) {
      let q: Queue;
      if (lastHead !== undefined && last !== undefined && text.startsWith(lastHead, start)) q = last;
      else {
        const path = `nftables[${n}].rule`;
        RULE_HEAD.lastIndex = start;
        const m = RULE_HEAD.exec(text);
        let family: unknown, table: unknown, chain: unknown;
        if (m) [, family, table, chain] = m;
        else {
          const o = ruleBody(safeParse(parseItem, n));
          if (!o) return undefined; // the eager parser says precisely what is wrong
          ({ family, table, chain } = o);
        }
        if (typeof family !== 'string' || typeof table !== 'string' || typeof chain !== 'string') return undefined;
        const t = doc.tableOf(family, table, path);
        const c = doc.chainOfRule(t, chain, path);
        q = queues.get(c) ?? { table: t, items: [] };
        queues.set(c, q);
        lastHead = m ? m[0] : undefined;
      }
      last = q;
      q.items.push(n);
      while (xi < xt.length && xt[xi]! < start) xi++;
      if (xi < xt.length && xt[xi]! < end) q.table.hasXt = true;
      continue;
    }
    lastHead = undefined;
    PLAIN_CHAIN.lastIndex = start;
    const m = text.startsWith('{"chain":{', start) ? PLAIN_CHAIN.exec(text) : null;
    if (m && PLAIN_CHAIN.lastIndex === end) {
      const c = makeChain(m[3]!);
      c.handle = Number(m[4]);
      doc.addChain(doc.tableOf(m[1]!, m[2]!, `nftables[${n}].chain`), c);
      continue;
    }
    const item = safeParse(parseItem, n);
    // A rule printed any other way would be translated now, ahead of its chain's queue: leave such text to eager.
    if (item === undefined || (isObj(item) && 'rule' in item)) return undefined;
    doc.item(item, n, makeChain);
  }
  return doc.finish();
}

function safeParse(parseItem: (n: number) => unknown, n: number): unknown {
  try {
    return parseItem(n);
  } catch {
    return undefined;
  }
}

function ruleBody(item: unknown): Record<string, unknown> | undefined {
  return isObj(item) && isObj(item.rule) && Object.keys(item).length === 1 ? item.rule : undefined;
}

/** Appends the chain's queued rules to `chain.rules`; a rule that does not parse becomes one that says why. */
function translateQueued(doc: NftDocument, chain: Chain, queues: Map<Chain, Queue>, parseItem: (n: number) => unknown, slice: (n: number) => string): void {
  const q = queues.get(chain);
  if (!q) return;
  queues.delete(chain);
  const rules = chain.rules;
  for (const n of q.items) {
    const path = `nftables[${n}].rule`;
    try {
      const o = ruleBody(parseItem(n));
      if (!o) throw new ParseError(doc.source, 'expected {"rule": {...}}', undefined, undefined, path);
      rules.push(doc.ruleOf(o, path, rules.length, q.table));
    } catch (e) {
      if (!(e instanceof ParseError) && !(e instanceof SyntaxError)) throw e;
      doc.warnings.push({ code: 'parse-error', message: e.message, path });
      const text = slice(n);
      rules.push({ index: rules.length, text, exprs: [{ kind: 'unknown-match', text, reason: `not parsed: ${e.message}` }] });
    }
  }
}

/**
 * [start, end) of every item of the top-level `nftables` array, or undefined unless the text is `{"nftables":[…]}`
 * with objects separated by single commas, as nft prints it. Strings are skipped whole (escapes honoured); brackets
 * are only counted, each item's own JSON.parse checks the rest.
 */
function scanItems(text: string): number[] | undefined {
  if (!text.startsWith(PREFIX)) return undefined;
  let end = text.length;
  while (end > 0 && isBlank(text.charCodeAt(end - 1))) end--;
  if (text.charCodeAt(end - 1) !== 125 /* } */ || text.charCodeAt(end - 2) !== 93 /* ] */) return undefined;
  const stop = end - 2;
  const out: number[] = [];
  let i = PREFIX.length;
  if (i === stop) return out;
  for (;;) {
    if (text.charCodeAt(i) !== 123 /* { */) return undefined;
    const close = valueEnd(text, i, stop);
    if (close < 0) return undefined;
    out.push(i, close);
    if (close === stop) return out;
    if (text.charCodeAt(close) !== 44 /* , */) return undefined;
    i = close + 1;
  }
}

function valueEnd(s: string, i: number, stop: number): number {
  let depth = 0;
  for (; i < stop; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 /* " */) {
      i = stringEnd(s, i, stop);
      if (i < 0) return -1;
    } else if (c === 123 || c === 91) depth++;
    else if ((c === 125 || c === 93) && --depth === 0) return i + 1;
  }
  return -1;
}

/** Index of the quote closing the string that opens at `i` (a quote after an odd run of backslashes is escaped). */
function stringEnd(s: string, i: number, stop: number): number {
  let j = s.indexOf('"', i + 1);
  while (j >= 0 && j < stop) {
    let k = j - 1;
    while (s.charCodeAt(k) === 92 /* \ */) k--;
    if ((j - 1 - k) % 2 === 0) return j;
    j = s.indexOf('"', j + 1);
  }
  return -1;
}

function positionsOf(text: string, needle: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) out.push(i);
  return out;
}

const isBlank = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;
