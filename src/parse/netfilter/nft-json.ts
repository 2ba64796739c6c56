/**
 * `nft -j list ruleset` / `nft -j list table …` (libnftables JSON, schema version 1) → the unified netfilter model
 * (nft-document.ts reads the items; nft-json-on-use.ts reads a chain's rules when they are first used).
 */
import type { Ruleset } from '../../model/netfilter.js';
import { ParseError } from '../error.js';
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
  for (let i = 0; i < items.length; i++) nft.item(items[i], i);
  return nft.finish();
}

