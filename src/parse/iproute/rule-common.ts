/** Shared by the JSON and text forms of `ip rule`: options, actions, family and table rules. */
import type { IpFamily, RoutingRule } from '../../model/node.js';
import type { ParseWarning } from '../../util/parse-error.js';
import type { SourceOpts } from '../parsed.js';
import { tableId } from './common.js';
import { familyOf, isIp } from '../../util/addr.js';

export interface RuleOpts extends SourceOpts {
  /** Family of the dump (`ip rule` = 4, `ip -6 rule` = 6) for rules that name no address; default 4. */
  family?: IpFamily;
}

export const ACTIONS = new Set(['blackhole', 'unreachable', 'prohibit', 'nop']);

/** Family from the first address a rule names, else the dump's family. */
export function ruleFamily(addrs: (string | undefined)[], fallback: IpFamily | undefined): IpFamily {
  const a = addrs.find((x): x is string => x !== undefined && x !== 'all' && isIp(x));
  return a ? familyOf(a) : (fallback ?? 4);
}

/** Sets the numeric table, or keeps an unknown rt_tables name with a warning. */
export function setTable(rule: RoutingRule, t: string | number, warnings: ParseWarning[], where: { line?: number; path?: string }): void {
  const id = tableId(t);
  if (id !== undefined) rule.table = id;
  else {
    rule.tableName = String(t);
    warnings.push({ code: 'unknown-table', message: `rule table "${String(t)}" is a name from rt_tables whose number is not in the dump`, ...where });
  }
}

/** How `ip rule` prints the lookup of a rule with the l3mdev flag. */
export const L3MDEV_TABLE = '[l3mdev-table]';

/** A rule that looks up the table of the flow's VRF (the kernel adds one with the first VRF device). */
export function setL3mdev(rule: RoutingRule, warnings: ParseWarning[], where: { line?: number; path?: string }): void {
  rule.l3mdev = true;
  warnings.push({ code: 'unsupported', message: `rule ${rule.priority} looks up the table of a VRF (l3mdev): netx does not model VRFs and takes this rule for no flow`, ...where });
}
