/**
 * resolv.conf (resolv.conf(5)): nameserver, search, domain, options, sortlist lines and `#`/`;`
 * comments, kept with their line numbers so that a finding can point at the line. The file is
 * recorded as written; what the kubelet or the C library makes of it (last search line wins, …) is
 * the caller's business (analyze/dns).
 */
import { ParseError, type ParseWarning } from '../util/parse-error.js';
import type { Parsed, SourceOpts } from './parsed.js';
import { splitLines, tokenize } from './text.js';

export interface ResolvOption {
  name: string;
  /** The part after `:` (`ndots:5` → '5'); absent for flags such as `rotate`. */
  value?: string;
}

interface ResolvConfLine<T> {
  value: T;
  /** 1-based line of the file. */
  line: number;
}

export interface ResolvConfFile {
  /** Every `nameserver` line, in order (the address as written). */
  nameservers: ResolvConfLine<string>[];
  /** Every `search` line, in order, each with its domains. */
  searches: ResolvConfLine<string[]>[];
  /** Every `domain` line. */
  domains: ResolvConfLine<string>[];
  /** Every `options` line, in order, each with its options. */
  options: ResolvConfLine<ResolvOption[]>[];
}

const KNOWN = new Set(['nameserver', 'search', 'domain', 'options', 'sortlist']);
/** Options glibc and musl read with a numeric value. */
const NUMERIC = new Set(['ndots', 'timeout', 'attempts']);

/**
 * Parses the file. Throws ParseError only where the kubelet would fail too (a `nameserver` line
 * without an address: pods on the node cannot start) or the input is not text; an unknown keyword, a
 * nameserver that is not an address, or an option with a bad number is a warning (the resolver skips
 * it).
 */
export function parseResolvConf(text: string, opts: SourceOpts): Parsed<ResolvConfFile> {
  const out: ResolvConfFile = { nameservers: [], searches: [], domains: [], options: [] };
  const warnings: ParseWarning[] = [];
  const nul = text.indexOf('\0');
  if (nul >= 0) throw new ParseError(opts.source, 'binary content (NUL byte): not a resolv.conf', lineOf(text, nul), undefined);
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const tokens = tokenize(raw);
    const first = tokens[0];
    if (!first || first.text.startsWith('#') || first.text.startsWith(';')) return;
    // A comment character after the keyword ends the line too (glibc reads up to it for values).
    const args = tokens.slice(1);
    const cut = args.findIndex((t) => t.text.startsWith('#') || t.text.startsWith(';'));
    const values = (cut >= 0 ? args.slice(0, cut) : args).map((t) => t.text);
    switch (first.text) {
      case 'nameserver': {
        const addr = values[0];
        if (addr === undefined) throw new ParseError(opts.source, 'nameserver line without an address (the kubelet refuses this file: pods cannot start)', line, first.column);
        if (!looksLikeAddress(addr)) warnings.push({ code: 'bad-nameserver', message: `nameserver ${addr} is not an IP address: resolvers skip it`, line, source: opts.source });
        out.nameservers.push({ value: addr, line });
        return;
      }
      case 'search':
        out.searches.push({ value: values, line });
        return;
      case 'domain':
        if (values[0] !== undefined) out.domains.push({ value: values[0], line });
        return;
      case 'options':
        out.options.push({ value: values.map((v) => option(v, line, opts.source, warnings)), line });
        return;
      default:
        if (!KNOWN.has(first.text)) warnings.push({ code: 'unknown-keyword', message: `unknown keyword ${first.text}: resolvers ignore the line`, line, source: opts.source });
    }
  });
  return { value: out, warnings };
}

function option(text: string, line: number, source: string, warnings: ParseWarning[]): ResolvOption {
  const i = text.indexOf(':');
  if (i < 0) return { name: text };
  const o = { name: text.slice(0, i), value: text.slice(i + 1) };
  if (NUMERIC.has(o.name) && !/^\d+$/.test(o.value)) warnings.push({ code: 'bad-option', message: `options ${text}: ${o.name} needs a number`, line, source });
  return o;
}

/** IPv4 dotted quad or an IPv6 literal (with an optional %zone): enough to tell a typo from an address. */
function looksLikeAddress(s: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return s.split('.').every((p) => Number(p) <= 255);
  return /^[0-9a-f:.]+(%[\w.-]+)?$/i.test(s) && s.includes(':');
}

function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** `ndots` of a set of options (the last one wins); undefined when absent or not a number. */
export function ndotsOf(options: readonly ResolvOption[]): number | undefined {
  const v = [...options].reverse().find((o) => o.name === 'ndots')?.value;
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}
