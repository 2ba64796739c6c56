/** `ip -j rule show` and the plain `ip rule` text form → RoutingRule[]. */
import type { IpFamily, RoutingRule } from '../../model/node.js';
import { ParseError, type ParseWarning } from '../error.js';
import { JsonReader, type JsonObject } from '../json-reader.js';
import { assignDefined, type Parsed, type SourceOpts } from '../parsed.js';
import { looksLikeJson, parseJsonText, splitLines, tokenize, toInt } from '../text.js';
import { familyOf, isAddress, normalizePrefix, parseMark, parsePortRange, tableId } from './common.js';

export interface RuleOpts extends SourceOpts {
  /** Family of the dump (`ip rule` = 4, `ip -6 rule` = 6) for rules that name no address; default 4. */
  family?: IpFamily;
}

const ACTIONS = new Set(['blackhole', 'unreachable', 'prohibit', 'nop']);

/** Parses either form; JSON is recognised by its first non-blank character. */
export function parseIpRule(text: string, opts: RuleOpts): Parsed<RoutingRule[]> {
  return looksLikeJson(text) ? parseRuleJson(text, opts) : parseRuleText(text, opts);
}

// ---------------------------------------------------------------- JSON

const JSON_KEYS = new Set(['priority', 'not', 'src', 'srclen', 'dst', 'dstlen', 'tos', 'fwmark', 'fwmask', 'iif', 'iif_detached', 'oif', 'oif_detached', 'l3mdev', 'uid_start', 'uid_end', 'ipproto', 'sport', 'sport_start', 'sport_end', 'dport', 'dport_start', 'dport_end', 'table', 'action', 'goto', 'suppress_prefixlen', 'protocol', 'to_tbl']);
/** Selectors netx does not evaluate: a rule with one matches less than the model says, so each is a warning. */
const UNMODELLED = new Set(['tun_id', 'suppress_ifgroup', 'flow_from', 'flow_to', 'nat', 'dscp', 'flowlabel', 'flowlabel_mask', 'dscp_mask']);

function parseRuleJson(text: string, opts: RuleOpts): Parsed<RoutingRule[]> {
  const r = new JsonReader(opts.source);
  const doc = r.array(parseJsonText(text, opts.source), '$');
  const warnings: ParseWarning[] = [];
  const seen = new Set<string>();
  const rules = doc.map((item, i) => {
    const path = `$[${i}]`;
    const o = r.object(item, path);
    for (const k of Object.keys(o)) {
      if (UNMODELLED.has(k)) warnings.push({ code: 'unsupported', message: `rule ${String(o.priority)} selector "${k}" is not evaluated`, path: `${path}.${k}` });
      else if (!JSON_KEYS.has(k) && !seen.has(k)) {
        seen.add(k);
        warnings.push({ code: 'unknown-field', message: `rule field "${k}" is not interpreted`, path: `${path}.${k}` });
      }
    }
    return ruleFromJson(r, o, path, opts, warnings);
  });
  return { value: rules, warnings };
}

function ruleFromJson(r: JsonReader, o: JsonObject, path: string, opts: RuleOpts, warnings: ParseWarning[]): RoutingRule {
  const srcText = r.optStr(o, 'src', path);
  const dstText = r.optStr(o, 'dst', path);
  const family = ruleFamily([srcText, dstText], opts.family);
  const rule: RoutingRule = { family, priority: r.optNum(o, 'priority', path) ?? 0, not: 'not' in o, action: 'table' };
  const prefix = (addr: string | undefined, lenKey: string, key: string): string | undefined => {
    if (addr === undefined || addr === 'all') return undefined;
    const len = r.optNum(o, lenKey, path);
    const p = normalizePrefix(len === undefined ? addr : `${addr}/${len}`, family);
    if (p === undefined) r.fail(`${path}.${key}`, `"${addr}" is not an address`);
    return p;
  };
  const mark = (key: string): number | undefined => {
    const v = r.optNumLike(o, key, path);
    if (v === undefined) return undefined;
    const m = parseMark(v);
    if (m === undefined) r.fail(`${path}.${key}`, `"${String(v)}" is not a mark`);
    return m;
  };
  const ports = (key: string): [number, number] | undefined => {
    const single = r.optNum(o, key, path);
    if (single !== undefined) return [single, single];
    const a = r.optNum(o, `${key}_start`, path);
    const b = r.optNum(o, `${key}_end`, path);
    return a === undefined ? undefined : [a, b ?? a];
  };
  const ipproto = r.optNumLike(o, 'ipproto', path);
  assignDefined(rule, {
    src: prefix(srcText, 'srclen', 'src'),
    dst: prefix(dstText, 'dstlen', 'dst'),
    iif: r.optStr(o, 'iif', path),
    oif: r.optStr(o, 'oif', path),
    fwmark: mark('fwmark'),
    fwmask: mark('fwmask'),
    ipproto: typeof ipproto === 'string' && /^\d+$/.test(ipproto) ? Number(ipproto) : ipproto,
    sport: ports('sport'),
    dport: ports('dport'),
    suppressPrefixlen: r.optNum(o, 'suppress_prefixlen', path),
    protocol: r.optStr(o, 'protocol', path),
    l3mdev: 'l3mdev' in o ? true : undefined,
  });
  const tos = r.optNumLike(o, 'tos', path);
  if (tos !== undefined) rule.tos = typeof tos === 'number' ? tos : Number.parseInt(tos, 16) || 0;
  const uidStart = r.optNum(o, 'uid_start', path);
  if (uidStart !== undefined) rule.uidrange = [uidStart, r.optNum(o, 'uid_end', path) ?? uidStart];
  const action = r.optStr(o, 'action', path);
  const gotoTarget = r.optNum(o, 'goto', path);
  if (gotoTarget !== undefined) {
    rule.action = 'goto';
    rule.goto = gotoTarget;
  } else if (action !== undefined && action !== 'to_tbl') {
    if (!ACTIONS.has(action)) r.fail(`${path}.action`, `unknown rule action "${action}"`);
    rule.action = action as RoutingRule['action'];
  }
  const table = r.optNumLike(o, 'table', path);
  if (table !== undefined) setTable(rule, table, warnings, { path: `${path}.table` });
  return rule;
}

// ---------------------------------------------------------------- text

function parseRuleText(text: string, opts: RuleOpts): Parsed<RoutingRule[]> {
  const warnings: ParseWarning[] = [];
  const rules: RoutingRule[] = [];
  splitLines(text).forEach((raw, i) => {
    if (raw.trim() === '') return;
    rules.push(textRule(raw, i + 1, opts, warnings));
  });
  return { value: rules, warnings };
}

function textRule(raw: string, line: number, opts: RuleOpts, warnings: ParseWarning[]): RoutingRule {
  const toks = tokenize(raw);
  const head = toks[0]!;
  const pm = /^(\d+):$/.exec(head.text);
  if (!pm) throw new ParseError(opts.source, `expected "PRIORITY:" at the start of a rule, got "${head.text}"`, line, head.column);
  const rule: RoutingRule = { family: opts.family ?? 4, priority: Number(pm[1]), not: false, action: 'table' };
  const fail = (msg: string, col: number): never => {
    throw new ParseError(opts.source, msg, line, col);
  };
  const addrs: string[] = [];
  for (let k = 1; k < toks.length; k++) {
    const t = toks[k]!;
    const v = toks[k + 1];
    const need = (): { text: string; column: number } => v ?? fail(`"${t.text}" needs a value`, t.column);
    switch (t.text) {
      case 'not': rule.not = true; break;
      case 'from': case 'to': {
        const val = need();
        k++;
        if (val.text === 'all') break;
        const addr = val.text.split('/')[0] ?? '';
        if (!isAddress(addr)) fail(`"${val.text}" is not an address`, val.column);
        addrs.push(addr);
        if (t.text === 'from') rule.src = val.text;
        else rule.dst = val.text;
        break;
      }
      case 'fwmark': {
        const val = need();
        k++;
        const [m, mask] = val.text.split('/');
        const mv = parseMark(m ?? '');
        const mk = mask === undefined ? undefined : parseMark(mask);
        if (mv === undefined || (mask !== undefined && mk === undefined)) fail(`"${val.text}" is not a mark`, val.column);
        rule.fwmark = mv;
        if (mk !== undefined) rule.fwmask = mk;
        break;
      }
      case 'iif': rule.iif = need().text; k++; break;
      case 'oif': rule.oif = need().text; k++; break;
      case 'ipproto': { const val = need().text; k++; rule.ipproto = /^\d+$/.test(val) ? Number(val) : val; break; }
      case 'sport': case 'dport': {
        const val = need();
        k++;
        const range = parsePortRange(val.text) ?? fail(`"${val.text}" is not a port or port range`, val.column);
        if (t.text === 'sport') rule.sport = range;
        else rule.dport = range;
        break;
      }
      case 'lookup': case 'table': setTable(rule, need().text, warnings, { line }); k++; break;
      case 'goto': {
        const val = need();
        k++;
        rule.action = 'goto';
        rule.goto = toInt(val.text) ?? fail(`"goto" needs a priority`, val.column);
        break;
      }
      case 'suppress_prefixlength': { const val = need(); k++; rule.suppressPrefixlen = toInt(val.text) ?? fail('"suppress_prefixlength" needs a number', val.column); break; }
      case 'tos': case 'dsfield': { const val = need(); k++; rule.tos = Number.parseInt(val.text, 16) || 0; break; }
      case 'uidrange': {
        const val = need();
        k++;
        const range = /^(\d+)-(\d+)$/.exec(val.text) ?? fail(`"${val.text}" is not a uid range`, val.column);
        rule.uidrange = [Number(range[1]), Number(range[2])];
        break;
      }
      case 'proto': rule.protocol = need().text; k++; break;
      case 'l3mdev': rule.l3mdev = true; break;
      case '[detached]': break;
      case 'blackhole': case 'unreachable': case 'prohibit': case 'nop': rule.action = t.text; break;
      case 'realms': case 'suppress_ifgroup': case 'tun_id': case 'map-to': case 'nat': case 'dscp': case 'flowlabel':
        warnings.push({ code: 'unsupported', message: `rule selector "${t.text} ${v?.text ?? ''}" is not interpreted`, line });
        k++;
        break;
      default:
        warnings.push({ code: 'unknown-keyword', message: `rule keyword "${t.text}" is not interpreted`, line });
    }
  }
  rule.family = ruleFamily(addrs, opts.family);
  for (const key of ['src', 'dst'] as const) {
    const v = rule[key];
    if (v !== undefined) rule[key] = normalizePrefix(v, rule.family);
  }
  return rule;
}

// ---------------------------------------------------------------- shared

function ruleFamily(addrs: (string | undefined)[], fallback: IpFamily | undefined): IpFamily {
  const a = addrs.find((x): x is string => x !== undefined && x !== 'all' && isAddress(x));
  return a ? familyOf(a) : (fallback ?? 4);
}

function setTable(rule: RoutingRule, t: string | number, warnings: ParseWarning[], where: { line?: number; path?: string }): void {
  const id = tableId(t);
  if (id !== undefined) rule.table = id;
  else {
    rule.tableName = String(t);
    warnings.push({ code: 'unknown-table', message: `rule table "${String(t)}" is a name from rt_tables whose number is not in the dump`, ...where });
  }
}
