/**
 * `nft -j list ruleset` / `nft -j list table …` (libnftables JSON, schema version 1) → the unified
 * netfilter model. Tables written by iptables-nft (xt expressions, iptables built-in chain names) are
 * flagged origin 'iptables-nft' so mergeRulesets can take them from iptables-save instead.
 */
import type { Chain, ChainType, Family, Hook, MapElement, NfSet, Rule, Ruleset, SetElement, Selector, Table } from '../../model/netfilter.js';
import { ParseError, type ParseWarning } from '../error.js';
import { IPTABLES_TABLES, builtinChains } from './base-chains.js';
import { elemComment, mapElement, tagKey, value } from './nft-expr.js';
import { ruleExpr } from './nft-rule.js';
import { renderRule } from './render.js';
import { Unsupported, lookup, show } from './values.js';

export interface NftJsonOpts {
  source: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const FAMILIES = new Set<Family>(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);
const HOOKS = new Set<Hook>(['prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress', 'egress']);
const CHAIN_TYPES = new Set<ChainType>(['filter', 'nat', 'route']);
/** Top-level objects that carry no path information (named counters, quotas, limits, helpers). */
const NEUTRAL_OBJECTS = new Set(['counter', 'quota', 'limit', 'ct helper', 'ct timeout', 'ct expectation', 'secmark', 'synproxy', 'flowtable']);

interface TableState {
  table: Table;
  chains: Map<string, Chain>;
  hasXt: boolean;
}

/** Parses the JSON text; ParseError (with a JSON path) on invalid JSON or an unexpected document shape. */
export function parseNftJson(text: string, opts: NftJsonOpts): Ruleset {
  const { source } = opts;
  const fail: Fail = (path, msg) => {
    throw new ParseError(source, msg, undefined, undefined, path);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ParseError(source, `not JSON (${e instanceof Error ? e.message : String(e)}): capture with \`nft -j list ruleset\``);
  }
  if (!isObj(doc) || !Array.isArray(doc.nftables)) fail('', 'expected {"nftables": [...]} as printed by `nft -j list ruleset`');
  const items = (doc as { nftables: unknown[] }).nftables;
  checkSchema(items, fail);

  const warnings: ParseWarning[] = [];
  const tables = new Map<string, TableState>();
  // A dump lists a table's objects together and a chain's rules together: remember the last ones.
  let lastTable: TableState | undefined;
  let lastChain: Chain | undefined;
  const tableOf = (o: Obj, path: string, key = 'table'): TableState => {
    const family = str(o, 'family', path, fail);
    const name = str(o, key, path, fail);
    if (lastTable !== undefined && lastTable.table.name === name && lastTable.table.family === family) return lastTable;
    const t = tables.get(`${family} ${name}`);
    if (!t) return fail(path, `${family} ${name} is used before its table object`);
    lastTable = t;
    lastChain = undefined;
    return t;
  };

  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const kind = tagKey(item);
    if (kind === undefined) {
      const path = `nftables[${i}]`;
      if (!isObj(item)) fail(path, 'expected an object');
      fail(path, 'expected exactly one key (metainfo, table, chain, rule, set, map, …)');
    }
    const body = (item as Obj)[kind];
    const bpath = `nftables[${i}].${kind}`;
    switch (kind) {
      case 'metainfo':
        continue;
      case 'table': {
        const o = obj(body, bpath, fail);
        const family = str(o, 'family', bpath, fail) as Family;
        if (!FAMILIES.has(family)) fail(`${bpath}.family`, `unknown family ${family}`);
        const name = str(o, 'name', bpath, fail);
        tables.set(`${family} ${name}`, { table: { family, name, origin: 'nft', dump: 'nft-json', chains: [], sets: [] }, chains: new Map(), hasXt: false });
        lastTable = undefined;
        lastChain = undefined;
        continue;
      }
      case 'chain': {
        const o = obj(body, bpath, fail);
        const t = tableOf(o, bpath);
        const c = chainOf(o, bpath, fail);
        t.chains.set(c.name, c);
        t.table.chains.push(c);
        lastChain = undefined;
        continue;
      }
      case 'rule': {
        const o = obj(body, bpath, fail);
        const t = tableOf(o, bpath);
        const chainName = str(o, 'chain', bpath, fail);
        const chain =
          lastChain !== undefined && lastChain.name === chainName && lastTable === t
            ? lastChain
            : (t.chains.get(chainName) ?? fail(bpath, `rule for chain ${chainName} that was not listed`));
        lastChain = chain;
        chain.rules.push(ruleOf(o, bpath, chain.rules.length, t, warnings, fail));
        continue;
      }
      case 'set':
      case 'map': {
        const o = obj(body, bpath, fail);
        tableOf(o, bpath).table.sets.push(setOf(o, kind === 'map', bpath, warnings, fail));
        continue;
      }
      default:
        if (!NEUTRAL_OBJECTS.has(kind)) warnings.push({ code: 'unsupported', message: `${kind} objects are not modelled`, path: `nftables[${i}]` });
    }
  }

  for (const t of tables.values()) t.table.origin = isIptablesNft(t) ? 'iptables-nft' : 'nft';
  return { tables: [...tables.values()].map((t) => t.table), warnings };
}

type Fail = (path: string, msg: string) => never;

function checkSchema(items: unknown[], fail: Fail): void {
  const meta = items.find((x) => isObj(x) && 'metainfo' in x) as Obj | undefined;
  const info = meta && isObj(meta.metainfo) ? meta.metainfo : undefined;
  if (!info) fail('nftables', 'no metainfo object: this does not look like `nft -j list ruleset` output');
  const v = (info as Obj).json_schema_version;
  if (v !== 1) fail('nftables[0].metainfo.json_schema_version', `unsupported libnftables JSON schema version ${show(v)} (this parser reads version 1)`);
}

function obj(v: unknown, path: string, fail: Fail): Obj {
  return isObj(v) ? v : fail(path, 'expected an object');
}
function str(o: Obj, key: string, path: string, fail: Fail): string {
  const v = o[key];
  return typeof v === 'string' ? v : fail(`${path}.${key}`, `expected a string`);
}

function chainOf(o: Obj, path: string, fail: Fail): Chain {
  const c: Chain = { name: str(o, 'name', path, fail), rules: [] };
  if (typeof o.handle === 'number') c.handle = o.handle;
  if (o.hook === undefined) return c;
  const hook = str(o, 'hook', path, fail) as Hook;
  if (!HOOKS.has(hook)) fail(`${path}.hook`, `unknown hook ${hook}`);
  const type = (o.type ?? 'filter') as ChainType;
  if (!CHAIN_TYPES.has(type)) fail(`${path}.type`, `unknown chain type ${show(o.type)}`);
  const prio = o.prio;
  if (typeof prio !== 'number') fail(`${path}.prio`, 'expected a numeric priority');
  const policy = o.policy === 'drop' ? 'drop' : 'accept';
  c.base = { type, hook, priority: prio as number, policy };
  if (typeof o.dev === 'string') c.base.device = o.dev;
  else if (Array.isArray(o.dev) && typeof o.dev[0] === 'string') c.base.device = o.dev[0];
  return c;
}

function ruleOf(o: Obj, path: string, index: number, t: TableState, warnings: ParseWarning[], fail: Fail): Rule {
  const exprJson = o.expr;
  if (!Array.isArray(exprJson)) fail(`${path}.expr`, 'expected an array');
  const exprs = (exprJson as unknown[]).map((e, k) => {
    const r = ruleExpr(e);
    if (r.xt) t.hasXt = true;
    if (r.unknown !== undefined && !r.xt) warnings.push({ code: 'unknown-expression', message: r.unknown, path: `${path}.expr[${k}]` });
    return r.expr;
  });
  const rule: Rule = { index, text: '', exprs };
  if (typeof o.handle === 'number') rule.handle = o.handle;
  if (typeof o.comment === 'string') rule.comment = o.comment;
  rule.text = renderRule(exprs, rule.comment);
  return rule;
}

/** Element types that name an interface or a MAC address (strings, not symbols). */
const TYPE_CONTEXT: Readonly<Record<string, Selector>> = {
  ifname: { kind: 'meta', key: 'iifname' },
  ether_addr: { kind: 'payload', protocol: 'ether', field: 'saddr' },
};

function typeList(v: unknown): string | string[] {
  if (Array.isArray(v)) return v.map(show);
  const s = show(v);
  return s.includes(' . ') ? s.split(' . ') : s;
}

function ctxFor(type: string | string[]): Selector | undefined {
  if (Array.isArray(type)) {
    const parts = type.map((p) => lookup(TYPE_CONTEXT, p) ?? { kind: 'meta' as const, key: p });
    return { kind: 'concat', parts };
  }
  return lookup(TYPE_CONTEXT, type);
}

function setOf(o: Obj, isMap: boolean, path: string, warnings: ParseWarning[], fail: Fail): NfSet {
  const type = typeList(o.type);
  const s: NfSet = { name: str(o, 'name', path, fail), type, flags: [], elements: [] };
  if (isMap) s.map = typeList(o.map);
  if (Array.isArray(o.flags)) s.flags = o.flags.map(String);
  else if (typeof o.flags === 'string') s.flags = [o.flags];
  if (typeof o.timeout === 'number') s.timeout = o.timeout;
  if (typeof o.comment === 'string') s.comment = o.comment;
  const elems = o.elem;
  if (elems === undefined) return s;
  if (!Array.isArray(elems)) fail(`${path}.elem`, 'expected an array');
  const keyCtx = ctxFor(type);
  const verdicts = s.map === 'verdict';
  const dataCtx = s.map === undefined ? undefined : ctxFor(s.map);
  const out: (MapElement | SetElement)[] = [];
  (elems as unknown[]).forEach((e, k) => {
    try {
      if (isMap) out.push(mapElement(e, keyCtx, verdicts, dataCtx));
      else {
        const el: SetElement = { key: value(e, keyCtx) };
        const c = elemComment(e);
        if (c !== undefined) el.comment = c;
        out.push(el);
      }
    } catch (err) {
      if (!(err instanceof Unsupported) && !(err instanceof RangeError)) throw err;
      warnings.push({ code: 'unknown-expression', message: `set ${s.name} element not modelled: ${err.message}`, path: `${path}.elem[${k}]` });
    }
  });
  s.elements = out as MapElement[] | SetElement[];
  return s;
}

/** iptables-nft tables: they hold xt expressions or iptables' built-in chain names in an iptables table. */
function isIptablesNft(t: TableState): boolean {
  if (t.hasXt) return true;
  const { family, name } = t.table;
  if ((family !== 'ip' && family !== 'ip6') || !IPTABLES_TABLES.has(name)) return false;
  const builtins = builtinChains(name);
  return t.table.chains.some((c) => builtins.includes(c.name));
}
