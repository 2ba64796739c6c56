/**
 * The libnftables JSON document (`nft -j list ruleset`, schema version 1) read item by item into the unified
 * netfilter model: tables, chains, sets and maps, rules. Tables written by iptables-nft (xt expressions, iptables
 * built-in chain names) are flagged origin 'iptables-nft' so mergeRulesets can take them from iptables-save instead.
 */
import type { Chain, ChainType, Family, Hook, MapElement, NfSet, Rule, Ruleset, SetElement, Selector, Table } from '../../model/netfilter.js';
import { ParseError, type ParseWarning } from '../../util/parse-error.js';
import { IPTABLES_TABLES, builtinChains } from './base-chains.js';
import { elemComment, mapElement, tagKey, value } from './nft-expr.js';
import { ruleExpr } from './nft-rule.js';
import { renderRule } from './render.js';
import { Unsupported, lookup, show } from './values.js';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const FAMILIES = new Set<Family>(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);
const HOOKS = new Set<Hook>(['prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress', 'egress']);
const CHAIN_TYPES = new Set<ChainType>(['filter', 'nat', 'route']);
/** Top-level objects that carry no path information (named counters, quotas, limits, helpers). */
const NEUTRAL_OBJECTS = new Set(['counter', 'quota', 'limit', 'ct helper', 'ct timeout', 'ct expectation', 'secmark', 'synproxy', 'flowtable']);

export interface TableState {
  table: Table;
  chains: Map<string, Chain>;
  hasXt: boolean;
}

/**
 * The document as its items are read, in order: tables, chains, sets, rules. Both modes feed items here; on use,
 * rules are queued on their chain instead (queueRule) and translated by ruleOf when the chain is read.
 */
export class NftDocument {
  readonly warnings: ParseWarning[] = [];
  readonly tables = new Map<string, TableState>();
  // A dump lists a table's objects together and a chain's rules together: remember the last ones.
  #lastTable: TableState | undefined;
  #lastChain: Chain | undefined;
  readonly fail: Fail;

  constructor(readonly source: string) {
    this.fail = (path, msg) => {
      throw new ParseError(source, msg, undefined, undefined, path);
    };
  }

  checkSchema(meta: unknown): void {
    const info = isObj(meta) && isObj(meta.metainfo) ? meta.metainfo : undefined;
    if (!info) this.fail('nftables', 'no metainfo object: this does not look like `nft -j list ruleset` output');
    const v = (info as Obj).json_schema_version;
    if (v !== 1) this.fail('nftables[0].metainfo.json_schema_version', `unsupported libnftables JSON schema version ${show(v)} (this parser reads version 1)`);
  }

  tableOf(family: string, name: string, path: string): TableState {
    const last = this.#lastTable;
    if (last !== undefined && last.table.name === name && last.table.family === family) return last;
    const t = this.tables.get(`${family} ${name}`);
    if (!t) return this.fail(path, `${family} ${name} is used before its table object`);
    this.#lastTable = t;
    this.#lastChain = undefined;
    return t;
  }

  /** The chain a rule of `t` names (ParseError when the dump did not list it). */
  chainOfRule(t: TableState, name: string, path: string): Chain {
    const last = this.#lastChain;
    if (last !== undefined && last.name === name && this.#lastTable === t) return last;
    const c = t.chains.get(name) ?? this.fail(path, `rule for chain ${name} that was not listed`);
    this.#lastChain = c;
    return c;
  }

  /** One parsed item of the `nftables` array; `makeChain` gives on-use chains their class. */
  item(item: unknown, i: number, makeChain?: (name: string, t: TableState) => Chain): void {
    const fail: Fail = this.fail;
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
        return;
      case 'table': {
        const o = obj(body, bpath, fail);
        const family = str(o, 'family', bpath, fail) as Family;
        if (!FAMILIES.has(family)) fail(`${bpath}.family`, `unknown family ${family}`);
        const name = str(o, 'name', bpath, fail);
        const table: Table = { family, name, origin: 'nft', dump: 'nft-json', chains: [], sets: [] };
        if (typeof o.handle === 'number') table.handle = o.handle;
        this.tables.set(`${family} ${name}`, { table, chains: new Map(), hasXt: false });
        this.#lastTable = undefined;
        this.#lastChain = undefined;
        return;
      }
      case 'chain': {
        const o = obj(body, bpath, fail);
        const t = this.tableOf(str(o, 'family', bpath, fail), str(o, 'table', bpath, fail), bpath);
        const name = str(o, 'name', bpath, fail);
        this.addChain(t, chainOf(o, makeChain ? makeChain(name, t) : { name, rules: [] }, bpath, fail));
        return;
      }
      case 'rule': {
        const o = obj(body, bpath, fail);
        const t = this.tableOf(str(o, 'family', bpath, fail), str(o, 'table', bpath, fail), bpath);
        const chain = this.chainOfRule(t, str(o, 'chain', bpath, fail), bpath);
        chain.rules.push(this.ruleOf(o, bpath, chain.rules.length, t));
        return;
      }
      case 'set':
      case 'map': {
        const o = obj(body, bpath, fail);
        this.tableOf(str(o, 'family', bpath, fail), str(o, 'table', bpath, fail), bpath).table.sets.push(setOf(o, kind === 'map', bpath, this.warnings, fail));
        return;
      }
      default:
        if (!NEUTRAL_OBJECTS.has(kind)) this.warnings.push({ code: 'unsupported', message: `${kind} objects are not modelled`, path: `nftables[${i}]` });
    }
  }

  addChain(t: TableState, c: Chain): void {
    t.chains.set(c.name, c);
    t.table.chains.push(c);
    this.#lastChain = undefined;
  }

  ruleOf(o: Obj, path: string, index: number, t: TableState): Rule {
    const exprJson = o.expr;
    if (!Array.isArray(exprJson)) this.fail(`${path}.expr`, 'expected an array');
    const exprs = (exprJson as unknown[]).map((e, k) => {
      const r = ruleExpr(e);
      if (r.xt) t.hasXt = true;
      if (r.unknown !== undefined && !r.xt) this.warnings.push({ code: 'unknown-expression', message: r.unknown, path: `${path}.expr[${k}]` });
      return r.expr;
    });
    const rule: Rule = { index, text: '', exprs };
    if (typeof o.handle === 'number') rule.handle = o.handle;
    if (typeof o.comment === 'string') rule.comment = o.comment;
    rule.text = renderRule(exprs, rule.comment);
    return rule;
  }

  finish(): Ruleset {
    for (const t of this.tables.values()) t.table.origin = isIptablesNft(t) ? 'iptables-nft' : 'nft';
    return { tables: [...this.tables.values()].map((t) => t.table), warnings: this.warnings };
  }
}

export type Fail = (path: string, msg: string) => never;

function obj(v: unknown, path: string, fail: Fail): Obj {
  return isObj(v) ? v : fail(path, 'expected an object');
}
function str(o: Obj, key: string, path: string, fail: Fail): string {
  const v = o[key];
  return typeof v === 'string' ? v : fail(`${path}.${key}`, `expected a string`);
}

/** Fills `c` (a fresh chain named by `o`) with what `o` says of it: handle, and hook/type/priority/policy of a base chain. */
function chainOf(o: Obj, c: Chain, path: string, fail: Fail): Chain {
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
