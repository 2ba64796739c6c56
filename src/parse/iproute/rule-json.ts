/** `ip -j rule show` / `ip -6 -j rule show` → RoutingRule[]. */
import type { RoutingRule } from '../../model/node.js';
import type { ParseWarning } from '../../util/parse-error.js';
import { JsonReader, type JsonObject } from '../json-reader.js';
import { assignDefined, type Parsed } from '../parsed.js';
import { parseJsonText } from '../text.js';
import { dsfield, normalizePrefix, parseMark } from './common.js';
import { ACTIONS, ruleFamily, setL3mdev, setTable, type RuleOpts } from './rule-common.js';
import { show } from '../show.js';

const JSON_KEYS = new Set(['priority', 'not', 'src', 'srclen', 'dst', 'dstlen', 'tos', 'fwmark', 'fwmask', 'iif', 'iif_detached', 'oif', 'oif_detached', 'l3mdev', 'uid_start', 'uid_end', 'ipproto', 'sport', 'sport_start', 'sport_end', 'dport', 'dport_start', 'dport_end', 'table', 'action', 'goto', 'unresolved', 'suppress_prefixlen', 'protocol', 'to_tbl']);
/** Selectors netx does not evaluate: a rule with one matches less than the model says, so each is a warning. */
const UNMODELLED = new Set(['tun_id', 'suppress_ifgroup', 'flow_from', 'flow_to', 'nat', 'dscp', 'flowlabel', 'flowlabel_mask', 'dscp_mask']);

export function parseRuleJson(text: string, opts: RuleOpts): Parsed<RoutingRule[]> {
  const r = new JsonReader(opts.source);
  const doc = r.array(parseJsonText(text, opts.source), '$');
  const warnings: ParseWarning[] = [];
  const seen = new Set<string>();
  const rules = doc.map((item, i) => {
    const path = `$[${i}]`;
    const o = r.object(item, path);
    for (const k of Object.keys(o)) {
      if (UNMODELLED.has(k)) warnings.push({ code: 'unsupported', message: `rule ${show(o.priority)} selector "${k}" is not evaluated`, path: `${path}.${k}` });
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
    if (m === undefined) r.fail(`${path}.${key}`, `"${show(v)}" is not a mark`);
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
  });
  if ('l3mdev' in o) setL3mdev(rule, warnings, { path: `${path}.l3mdev` });
  const tos = r.optNumLike(o, 'tos', path);
  if (tos !== undefined) rule.tos = dsfield(tos);
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

