/** `key = value` sysctl dumps (as `sysctl -a` or `sysctl k1 k2` print them); sim/sysctl.ts reads them the way the kernel combines them. */
import { ParseError, type ParseWarning } from '../util/parse-error.js';
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
