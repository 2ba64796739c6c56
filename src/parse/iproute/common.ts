/** Address, prefix and table-name rules shared by the iproute2 parsers. */
import { ROUTE_TABLES, type IpFamily } from '../../model/node.js';
import { familyOf, isIp } from '../../util/addr.js';


/**
 * Normalises an iproute2 destination: `default`/`all`/`any` → the zero prefix of the family, a host address without
 * a length → /32 or /128. Returns undefined when the text is not an address or prefix.
 */
export function normalizePrefix(dst: string, family: IpFamily): string | undefined {
  if (dst === 'default' || dst === 'all' || dst === 'any') return family === 6 ? '::/0' : '0.0.0.0/0';
  const slash = dst.indexOf('/');
  const addr = slash < 0 ? dst : dst.slice(0, slash);
  if (!isIp(addr)) return undefined;
  const max = familyOf(addr) === 6 ? 128 : 32;
  if (slash < 0) return `${addr.toLowerCase()}/${max}`;
  const lenText = dst.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) return undefined;
  return `${addr.toLowerCase()}/${Number(lenText)}`;
}

/** A table printed as a name or number → its id, or undefined for a name not in the default rt_tables. */
export function tableId(t: string | number): number | undefined {
  if (typeof t === 'number') return Number.isSafeInteger(t) && t >= 0 ? t : undefined;
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return ROUTE_TABLES[t];
}

/** Numeric value of a `0x...` or decimal mark string. */
export function parseMark(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (/^0x[0-9a-f]{1,8}$/i.test(v)) return Number.parseInt(v.slice(2), 16);
  if (/^\d{1,10}$/.test(v)) return Number(v);
  return undefined;
}

/** `80` or `80-90` → [start, end]. */
export function parsePortRange(v: string): [number, number] | undefined {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(v);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  return a <= 65535 && b <= 65535 ? [a, b] : undefined;
}

/** The names iproute2's shipped rt_dsfield gives TOS values (older and newer releases), which `ip` prints instead. */
const DSFIELD_NAMES: Record<string, number> = {
  default: 0, lowdelay: 0x10, throughput: 0x08, reliability: 0x04, mincost: 0x02, critical: 0xa0, internet: 0xc0, network: 0xe0,
  AF11: 0x28, AF12: 0x30, AF13: 0x38, AF21: 0x48, AF22: 0x50, AF23: 0x58, AF31: 0x68, AF32: 0x70, AF33: 0x78, AF41: 0x88, AF42: 0x90, AF43: 0x98,
  CS1: 0x20, CS2: 0x40, CS3: 0x60, CS4: 0x80, CS5: 0xa0, CS6: 0xc0, CS7: 0xe0, EF: 0xb8,
};

/**
 * A route's or rule's `tos`/`dsfield` as `ip` prints it (hex, or a name from rt_dsfield) → its value. A name a local
 * rt_dsfield added is kept as text: it still says the route or rule selects some TOS.
 */
export function dsfield(v: string | number): number | string {
  if (typeof v === 'number') return v;
  // Names first, as iproute2 reads them: AF11 and EF are hex digits too. A value without a name prints as 0x…
  const named = Object.hasOwn(DSFIELD_NAMES, v) ? DSFIELD_NAMES[v] : undefined;
  if (named !== undefined) return named;
  return /^0x[0-9a-f]{1,2}$/i.test(v) ? Number.parseInt(v, 16) : v;
}
