/** The plain `ip rule` text form (what users paste) → RoutingRule[]. */
import type { RoutingRule } from '../../model/node.js';
import { ParseError, type ParseWarning } from '../../util/parse-error.js';
import type { Parsed } from '../parsed.js';
import { splitLines, tokenize, toInt } from '../text.js';
import { dsfield, normalizePrefix, parseMark, parsePortRange } from './common.js';
import { isIp } from '../../util/addr.js';
import { L3MDEV_TABLE, ruleFamily, setL3mdev, setTable, type RuleOpts } from './rule-common.js';

export function parseRuleText(text: string, opts: RuleOpts): Parsed<RoutingRule[]> {
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
        if (!isIp(addr)) fail(`"${val.text}" is not an address`, val.column);
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
      case 'lookup': case 'table': {
        const val = need().text;
        k++;
        // `ip rule` prints a rule with the l3mdev flag (the one the kernel adds with a VRF) as this lookup.
        if (val === L3MDEV_TABLE) setL3mdev(rule, warnings, { line });
        else setTable(rule, val, warnings, { line });
        break;
      }
      case 'goto': {
        const val = need();
        k++;
        rule.action = 'goto';
        rule.goto = toInt(val.text) ?? fail(`"goto" needs a priority`, val.column);
        break;
      }
      case 'suppress_prefixlength': { const val = need(); k++; rule.suppressPrefixlen = toInt(val.text) ?? fail('"suppress_prefixlength" needs a number', val.column); break; }
      case 'tos': case 'dsfield': rule.tos = dsfield(need().text); k++; break;
      case 'uidrange': {
        const val = need();
        k++;
        const range = /^(\d+)-(\d+)$/.exec(val.text) ?? fail(`"${val.text}" is not a uid range`, val.column);
        rule.uidrange = [Number(range[1]), Number(range[2])];
        break;
      }
      case 'proto': rule.protocol = need().text; k++; break;
      case 'l3mdev': setL3mdev(rule, warnings, { line }); break;
      // `[unresolved]`: a goto without a rule at its target, which the lookup sees from the rules themselves.
      case '[detached]': case '[unresolved]': break;
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

