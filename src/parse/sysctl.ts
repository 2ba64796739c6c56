/** `key = value` sysctl dumps (as `sysctl -a` or `sysctl k1 k2` print them) and typed accessors over them. */
import { ParseError, type ParseWarning } from './error.js';
import type { Parsed, SourceOpts } from './parsed.js';
import { splitLines } from './text.js';

export type Sysctls = Record<string, string>;

/**
 * Accepts `key = value` and `key=value`; blank lines and `#`/`;` comments are skipped. `sysctl: cannot stat ...` lines
 * (a key the kernel does not have) become warnings. Keys are stored as `sysctl` prints them: dots separate levels and a
 * dot inside an interface name shows as `/` (`net.ipv4.conf.flannel/1.rp_filter`); /proc/sys paths are converted.
 */
export function parseSysctl(text: string, opts: SourceOpts): Parsed<Sysctls> {
  const value: Sysctls = {};
  const warnings: ParseWarning[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (s === '' || s.startsWith('#') || s.startsWith(';')) return;
    if (s.startsWith('sysctl:')) {
      warnings.push({ code: 'sysctl-error', message: s, line });
      return;
    }
    const eq = s.indexOf('=');
    if (eq <= 0) throw new ParseError(opts.source, 'expected "key = value"', line, raw.indexOf(s) + 1);
    const key = canonicalKey(s.slice(0, eq).trim());
    if (!/^[\w.\-@:/]+$/.test(key)) throw new ParseError(opts.source, `"${key}" is not a sysctl key`, line, raw.indexOf(s) + 1);
    value[key] = s.slice(eq + 1).trim();
  });
  return { value, warnings };
}

function canonicalKey(k: string): string {
  if (!k.startsWith('/proc/sys/')) return k;
  return [...k.slice('/proc/sys/'.length)].map((c) => (c === '/' ? '.' : c === '.' ? '/' : c)).join('');
}

/** An interface name as it appears inside a sysctl key. */
const ifKey = (iface: string): string => iface.replaceAll('.', '/');

const num = (s: Sysctls, key: string): number | undefined => {
  const v = s[key];
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
};

/** `net.ipv4.ip_forward`: true/false, undefined when not collected. */
export const ipForward = (s: Sysctls): boolean | undefined => bool(num(s, 'net.ipv4.ip_forward'));

/** `net.ipv4.conf.<iface>.forwarding` (per-interface forwarding; `all` mirrors ip_forward). */
export const ipv4Forwarding = (s: Sysctls, iface: string): boolean | undefined => bool(num(s, `net.ipv4.conf.${ifKey(iface)}.forwarding`));

export type RpFilterMode = 0 | 1 | 2;

/**
 * The rp_filter the kernel applies on an interface: max(conf.all.rp_filter, conf.<iface>.rp_filter). An interface
 * without its own key (not collected) falls back to conf.default, which is what new interfaces inherit; undefined when
 * neither the all value nor an interface/default value is known.
 */
export function effectiveRpFilter(s: Sysctls, iface: string): { mode: RpFilterMode; from: string[] } | undefined {
  const all = num(s, 'net.ipv4.conf.all.rp_filter');
  const ifaceKey = `net.ipv4.conf.${ifKey(iface)}.rp_filter`;
  let own = num(s, ifaceKey);
  let ownKey = ifaceKey;
  if (own === undefined) {
    own = num(s, 'net.ipv4.conf.default.rp_filter');
    ownKey = 'net.ipv4.conf.default.rp_filter';
  }
  if (all === undefined || own === undefined) return undefined;
  const mode = Math.min(2, Math.max(all, own, 0)) as RpFilterMode;
  return { mode, from: ['net.ipv4.conf.all.rp_filter', ownKey] };
}

/** `net.bridge.bridge-nf-call-iptables`: bridged IPv4 traffic traverses iptables (br_netfilter loaded). */
export const bridgeNfCallIptables = (s: Sysctls): boolean | undefined => bool(num(s, 'net.bridge.bridge-nf-call-iptables'));

/** route_localnet (127/8 routable) on an interface: the kernel ORs all and the interface value. */
export function routeLocalnet(s: Sysctls, iface: string): boolean | undefined {
  const all = num(s, 'net.ipv4.conf.all.route_localnet');
  const own = num(s, `net.ipv4.conf.${ifKey(iface)}.route_localnet`);
  if (all === undefined && own === undefined) return undefined;
  return (all ?? 0) !== 0 || (own ?? 0) !== 0;
}

const bool = (n: number | undefined): boolean | undefined => (n === undefined ? undefined : n !== 0);
