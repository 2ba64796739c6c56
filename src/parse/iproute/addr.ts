/** `ip -j addr show` and the plain `ip addr` text form → addresses (and the link headers printed with them). */
import type { Address, IpFamily, Link } from '../../model/node.js';
import { ParseError, type ParseWarning } from '../../util/parse-error.js';
import { JsonReader } from '../json-reader.js';
import { assignDefined, type Parsed, type SourceOpts } from '../parsed.js';
import { looksLikeJson, parseJsonText, splitLines, tokenize, toInt } from '../text.js';
import { isIp } from '../../util/addr.js';
import { applyDetailLine, linkFromJson, linkFromTextHeader } from './link.js';
import { show } from '../show.js';

export interface IpAddrResult {
  addresses: Address[];
  /** The link headers `ip addr` prints (no `-d` details). */
  links: Link[];
}

/** Parses either form; JSON is recognised by its first non-blank character. */
export function parseIpAddr(text: string, opts: SourceOpts): Parsed<IpAddrResult> {
  return looksLikeJson(text) ? parseAddrJson(text, opts) : parseAddrText(text, opts);
}

const ADDR_FLAG_KEYS = ['dynamic', 'noprefixroute', 'tentative', 'secondary', 'nodad', 'deprecated', 'dadfailed', 'temporary', 'mngtmpaddr', 'optimistic', 'home', 'stable-privacy'];

function parseAddrJson(text: string, opts: SourceOpts): Parsed<IpAddrResult> {
  const r = new JsonReader(opts.source);
  const warnings: ParseWarning[] = [];
  const out: IpAddrResult = { addresses: [], links: [] };
  r.array(parseJsonText(text, opts.source), '$').forEach((item, i) => {
    const path = `$[${i}]`;
    const o = r.object(item, path);
    const link = linkFromJson(r, o, path, warnings);
    out.links.push(link);
    if (o.addr_info === undefined) return;
    r.array(o.addr_info, `${path}.addr_info`).forEach((ai, j) => {
      const p = `${path}.addr_info[${j}]`;
      const a = r.object(ai, p);
      const fam = r.optStr(a, 'family', p);
      if (fam !== 'inet' && fam !== 'inet6') {
        warnings.push({ code: 'unsupported', message: `address family "${show(fam)}" is not modelled`, path: p });
        return;
      }
      const local = r.str(a, 'local', p);
      if (!isIp(local)) r.fail(`${p}.local`, `"${local}" is not an address`);
      const addr: Address = { ifname: link.name, ifindex: link.index, family: fam === 'inet' ? 4 : 6, local, prefixlen: r.num(a, 'prefixlen', p), scope: String(r.optNumLike(a, 'scope', p) ?? 'global') };
      const label = r.optStr(a, 'label', p);
      const flags = ADDR_FLAG_KEYS.filter((k) => a[k] === true);
      assignDefined(addr, {
        broadcast: r.optStr(a, 'broadcast', p),
        peer: r.optStr(a, 'address', p),
        label: label !== undefined && label !== link.name ? label : undefined,
        flags: flags.length ? flags : undefined,
      });
      out.addresses.push(addr);
    });
  });
  return { value: out, warnings };
}

function parseAddrText(text: string, opts: SourceOpts): Parsed<IpAddrResult> {
  const out: IpAddrResult = { addresses: [], links: [] };
  const warnings: ParseWarning[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const head = linkFromTextHeader(raw, line, opts.source);
    if (head) {
      out.links.push(head);
      return;
    }
    const link = out.links[out.links.length - 1];
    if (!link || !/^\s/.test(raw)) throw new ParseError(opts.source, 'expected a link header "N: name: <FLAGS> ..."', line, 1);
    const toks = tokenize(raw);
    const first = toks[0]!.text;
    if (first === 'inet' || first === 'inet6') out.addresses.push(textAddress(link, toks, first === 'inet' ? 4 : 6, opts.source, line));
    else if (first === 'valid_lft' || first === 'altname') return;
    else applyDetailLine(link, toks, opts.source, line);
  });
  return { value: out, warnings };
}

function textAddress(link: Link, toks: { text: string; column: number }[], family: IpFamily, source: string, line: number): Address {
  const cidr = toks[1] ?? toks[0]!;
  const [local, len] = cidr.text.split('/');
  if (!local || !isIp(local)) throw new ParseError(source, `"${cidr.text}" is not an address`, line, cidr.column);
  const addr: Address = { ifname: link.name, ifindex: link.index, family, local, prefixlen: toInt(len) ?? (family === 4 ? 32 : 128), scope: 'global' };
  const flags: string[] = [];
  for (let k = 2; k < toks.length; k++) {
    const key = toks[k]!.text;
    const v = toks[k + 1]?.text;
    if (key === 'brd' && v) { addr.broadcast = v; k++; }
    else if (key === 'scope' && v) { addr.scope = v; k++; }
    else if (key === 'metric') k++;
    else if (key === 'peer' && v) {
      const [p, plen] = v.split('/');
      addr.peer = p;
      if (plen !== undefined) addr.prefixlen = toInt(plen) ?? addr.prefixlen;
      k++;
    } else if (ADDR_FLAG_KEYS.includes(key)) flags.push(key);
    else if (k === toks.length - 1 && key !== link.name) addr.label = key;
  }
  if (flags.length) addr.flags = flags;
  return addr;
}
