/**
 * `nft -j list ruleset` / `nft -j list table …` (libnftables JSON, schema version 1) → the unified netfilter model
 * (nft-document.ts reads the items; nft-json-on-use.ts reads a chain's rules when they are first used).
 */
import type { Family, LostPart, Ruleset } from '../../model/netfilter.js';
import { ParseError } from '../../util/parse-error.js';
import { NftDocument, isObj } from './nft-document.js';
import { parseNftJsonOnUse } from './nft-json-on-use.js';

export interface NftJsonOpts {
  source: string;
  /**
   * `eager` (default): every rule is translated while parsing. `on-use`: when the text has the shape `nft -j` prints
   * (compact JSON), only tables, chains and sets are parsed up front and a chain's rules are parsed and translated
   * the first time they are read (nft-json-on-use.ts); any other text is parsed eagerly. A rule that fails then
   * becomes a rule with one `unknown-match` quoting the error, and its warnings are appended to the returned
   * ruleset's `warnings` when its chain is read.
   */
  rules?: 'eager' | 'on-use';
  /**
   * An item (table, chain, set, rule object) that does not read is skipped and recorded in the ruleset's `lost` with
   * the family and table it names, instead of failing the whole document; text that is not an nft JSON document at all
   * still throws.
   */
  recover?: boolean;
}

/** Parses the JSON text; ParseError (with a JSON path) on invalid JSON or an unexpected document shape. */
export function parseNftJson(text: string, opts: NftJsonOpts): Ruleset {
  if (opts.rules === 'on-use') {
    try {
      const r = parseNftJsonOnUse(text, opts.source);
      if (r) return r;
    } catch (e) {
      // The eager parser reads the whole document and names the first problem as JSON.parse sees it.
      if (!(e instanceof ParseError)) throw e;
    }
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ParseError(opts.source, `not JSON (${e instanceof Error ? e.message : String(e)}): capture with \`nft -j list ruleset\``);
  }
  const nft = new NftDocument(opts.source);
  if (!isObj(doc) || !Array.isArray(doc.nftables)) nft.fail('', 'expected {"nftables": [...]} as printed by `nft -j list ruleset`');
  const items = (doc as { nftables: unknown[] }).nftables;
  nft.checkSchema(items.find((x) => isObj(x) && 'metainfo' in x));
  const lost: LostPart[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      nft.item(items[i], i);
    } catch (e) {
      if (!opts.recover || !(e instanceof ParseError)) throw e;
      lost.push(lostItem(items[i], e));
    }
  }
  const out = nft.finish();
  if (lost.length) out.lost = lost;
  return out;
}

/** The family and table a bad item names, when it names them. */
function lostItem(item: unknown, e: ParseError): LostPart {
  const body = isObj(item) ? Object.values(item)[0] : undefined;
  const at: LostPart = { reason: e.brief };
  if (!isObj(body)) return at;
  const family = body.family;
  const table = 'table' in body ? body.table : 'rule' in (item as object) || 'chain' in (item as object) || 'set' in (item as object) || 'map' in (item as object) ? undefined : body.name;
  if (typeof family === 'string' && FAMILY_NAMES.has(family)) at.family = family as Family;
  if (typeof table === 'string') at.table = table;
  return at;
}

const FAMILY_NAMES: ReadonlySet<string> = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);

