/**
 * Dual-stack: which address family a trace uses. `--family` wins; otherwise the family both ends have,
 * preferring the source's primary address (the one a pod uses by default for a name with both).
 */
import { familyOf } from '../../util/addr.js';
import { UserError } from '../../util/errors.js';

export type Family = 4 | 6;

export function pickFamily(what: { src: string; srcIps: string[]; dst: string; dstIps: string[] }, requested?: Family): Family {
  const has = (ips: string[], f: Family) => ips.some((ip) => familyOf(ip) === f);
  if (requested) {
    if (what.srcIps.length && !has(what.srcIps, requested)) throw new UserError(`${what.src} has no IPv${requested} address (${what.srcIps.join(', ')})`, { hint: `drop --family or use --family ${requested === 4 ? 6 : 4}` });
    if (what.dstIps.length && !has(what.dstIps, requested)) throw new UserError(`${what.dst} has no IPv${requested} address (${what.dstIps.join(', ')})`, { hint: `drop --family or use --family ${requested === 4 ? 6 : 4}` });
    return requested;
  }
  const order: Family[] = what.srcIps.length ? [familyOf(what.srcIps[0]!), familyOf(what.srcIps[0]!) === 4 ? 6 : 4] : what.dstIps.length ? [familyOf(what.dstIps[0]!)] : [4];
  const f = order.find((x) => (!what.srcIps.length || has(what.srcIps, x)) && (!what.dstIps.length || has(what.dstIps, x)));
  if (!f) throw new UserError(`${what.src} (${what.srcIps.join(', ')}) and ${what.dst} (${what.dstIps.join(', ')}) share no address family`);
  return f;
}
