/** `ip -d -j link show` (and `ip -j link`, `ip -d link` / `ip link` text) → Link[]. */
import type { IpTunnelInfo, Link, VxlanInfo } from '../../model/node.js';
import { ParseError, type ParseWarning } from '../../util/parse-error.js';
import { JsonReader, type JsonObject } from '../json-reader.js';
import { assignDefined, type Parsed, type SourceOpts } from '../parsed.js';
import { looksLikeJson, parseJsonText, splitLines, tokenize, toInt } from '../text.js';

/** Parses either form; JSON is recognised by its first non-blank character. */
export function parseIpLink(text: string, opts: SourceOpts): Parsed<Link[]> {
  return looksLikeJson(text) ? parseLinkJson(text, opts) : parseLinkText(text, opts);
}

// ---------------------------------------------------------------- JSON

/** One `ip -j link`/`ip -j addr` element → Link (shared with the addr parser, which prints the same header). */
export function linkFromJson(r: JsonReader, o: JsonObject, path: string, warnings: ParseWarning[]): Link {
  const info = o.linkinfo === undefined ? undefined : r.object(o.linkinfo, `${path}.linkinfo`);
  const kind = info ? r.optStr(info, 'info_kind', `${path}.linkinfo`) : undefined;
  const linkType = r.optStr(o, 'link_type', path);
  const link: Link = {
    index: r.num(o, 'ifindex', path),
    name: r.str(o, 'ifname', path),
    kind: kind ?? (linkType === 'loopback' ? 'loopback' : 'device'),
    mtu: r.optNum(o, 'mtu', path) ?? 0,
    state: r.optStr(o, 'operstate', path) ?? 'UNKNOWN',
    flags: r.strings(o, 'flags', path),
  };
  assignDefined(link, { mac: linkType === 'ether' ? r.optStr(o, 'address', path) : undefined, master: r.optStr(o, 'master', path) });
  const peerName = r.optStr(o, 'link', path);
  const peerIndex = r.optNum(o, 'link_index', path);
  const netnsId = r.optNum(o, 'link_netnsid', path);
  if (peerName !== undefined || peerIndex !== undefined) link.peer = assignDefined({}, { name: peerName, index: peerIndex, netnsId });
  const data = info?.info_data === undefined ? undefined : r.object(info.info_data, `${path}.linkinfo.info_data`);
  if (data && kind === 'vxlan') link.vxlan = vxlanFromJson(r, data, `${path}.linkinfo.info_data`);
  if (data && kind === 'ipip') link.ipip = tunnelEnds(r.optStr(data, 'local', path), r.optStr(data, 'remote', path), r.optStr(data, 'link', path));
  if (data && kind === 'bridge') {
    link.bridge = assignDefined({}, {
      vlanFiltering: r.optBool(data, 'vlan_filtering', path),
      stp: numFlag(data.stp_state),
      nfCallIptables: r.optBool(data, 'nf_call_iptables', path),
      nfCallIp6tables: r.optBool(data, 'nf_call_ip6tables', path),
    });
  }
  const slaveKind = info ? r.optStr(info, 'info_slave_kind', `${path}.linkinfo`) : undefined;
  const slave = info?.info_slave_data;
  if (slaveKind === 'bridge' && slave !== undefined) {
    const s = r.object(slave, `${path}.linkinfo.info_slave_data`);
    const sp = `${path}.linkinfo.info_slave_data`;
    link.bridgePort = assignDefined({}, {
      state: r.optStr(s, 'state', sp),
      learning: r.optBool(s, 'learning', sp),
      hairpin: r.optBool(s, 'hairpin', sp),
      proxyArp: r.optBool(s, 'proxy_arp', sp),
      neighSuppress: r.optBool(s, 'neigh_suppress', sp),
    });
  }
  if (kind === 'vxlan' && !data) warnings.push({ code: 'unsupported', message: `vxlan ${link.name} has no details: collect with "ip -d"`, path });
  return link;
}

function vxlanFromJson(r: JsonReader, d: JsonObject, path: string): VxlanInfo {
  const v: VxlanInfo = { id: r.num(d, 'id', path), port: r.optNum(d, 'port', path) ?? 8472, learning: r.optBool(d, 'learning', path) ?? true };
  return assignDefined(v, {
    local: r.optStr(d, 'local', path) ?? r.optStr(d, 'local6', path),
    remote: r.optStr(d, 'remote', path) ?? r.optStr(d, 'remote6', path),
    group: r.optStr(d, 'group', path) ?? r.optStr(d, 'group6', path),
    dev: r.optStr(d, 'link', path),
  });
}

/** iproute2 prints an unset tunnel end as `any`. */
function tunnelEnds(local: string | undefined, remote: string | undefined, dev: string | undefined): IpTunnelInfo {
  const set = (v: string | undefined): string | undefined => (v === undefined || v === 'any' ? undefined : v);
  return assignDefined({}, { local: set(local), remote: set(remote), dev });
}

const numFlag = (v: unknown): boolean | undefined => (typeof v === 'number' ? v !== 0 : undefined);

function parseLinkJson(text: string, opts: SourceOpts): Parsed<Link[]> {
  const r = new JsonReader(opts.source);
  const warnings: ParseWarning[] = [];
  const doc = r.array(parseJsonText(text, opts.source), '$');
  return { value: doc.map((item, i) => linkFromJson(r, r.object(item, `$[${i}]`), `$[${i}]`, warnings)), warnings };
}

// ---------------------------------------------------------------- text

/** `N: name[@peer]: <FLAGS> mtu M ... state S ...` */
const HEADER = /^(\d+):\s+([^:\s@]+)(?:@([^:\s]+))?:\s+<([^>]*)>(.*)$/;
const KINDS = new Set(['veth', 'bridge', 'vxlan', 'dummy', 'ipip', 'gre', 'gretap', 'geneve', 'wireguard', 'vlan', 'macvlan', 'ipvlan', 'tun', 'bond', 'sit', 'ip6tnl', 'vrf', 'team', 'macvtap', 'nlmon', 'ifb', 'erspan', 'ip6gre', 'ipoib', 'netkit']);

/** One text header line → Link, or undefined when the line is not a link header. */
export function linkFromTextHeader(raw: string, line: number, source: string): Link | undefined {
  const m = HEADER.exec(raw);
  if (!m) return undefined;
  const toks = tokenize(m[5] ?? '');
  const link: Link = { index: Number(m[1]), name: m[2]!, kind: 'device', mtu: 0, state: 'UNKNOWN', flags: (m[4] ?? '').split(',').filter(Boolean) };
  for (let k = 0; k < toks.length; k++) {
    const key = toks[k]!.text;
    const val = toks[k + 1]?.text;
    if (key === 'mtu') {
      link.mtu = toInt(val) ?? fail(source, '"mtu" needs a number', line, toks[k]!.column);
      k++;
    } else if (key === 'state' && val) {
      link.state = val;
      k++;
    } else if (key === 'master' && val) {
      link.master = val;
      k++;
    }
  }
  if (m[3]) {
    const ifm = /^if(\d+)$/.exec(m[3]);
    link.peer = ifm ? { index: Number(ifm[1]) } : { name: m[3] };
  }
  if (link.flags.includes('LOOPBACK')) link.kind = 'loopback';
  return link;
}

function fail(source: string, msg: string, line: number, column: number): never {
  throw new ParseError(source, msg, line, column);
}

function parseLinkText(text: string, opts: SourceOpts): Parsed<Link[]> {
  const links: Link[] = [];
  const warnings: ParseWarning[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const head = linkFromTextHeader(raw, line, opts.source);
    if (head) {
      links.push(head);
      return;
    }
    const cur = links[links.length - 1];
    if (!cur || !/^\s/.test(raw)) throw new ParseError(opts.source, 'expected a link header "N: name: <FLAGS> ..."', line, 1);
    applyDetailLine(cur, tokenize(raw), opts.source, line);
  });
  return { value: links, warnings };
}

/** Continuation lines: `link/ether MAC ... link-netnsid N`, then (with -d) `KIND options...`, `bridge_slave ...`. */
export function applyDetailLine(link: Link, toks: { text: string; column: number }[], source: string, line: number): void {
  const first = toks[0]?.text ?? '';
  if (first.startsWith('link/')) {
    if (first === 'link/ether' && toks[1]) link.mac = toks[1].text;
    for (let k = 2; k < toks.length; k++) {
      const key = toks[k]!.text;
      const v = toks[k + 1]?.text;
      if (key === 'link-netnsid' && toInt(v) !== undefined) link.peer = { ...link.peer, netnsId: toInt(v)! };
      if (key === 'link-netns' && v !== undefined) link.peer = { ...link.peer };
    }
    return;
  }
  const opts = new Map<string, string>();
  const words = new Set<string>();
  for (let k = 1; k < toks.length; k++) {
    const key = toks[k]!.text;
    const v = toks[k + 1]?.text;
    words.add(key);
    if (v !== undefined) opts.set(key, v);
  }
  if (KINDS.has(first)) link.kind = first;
  if (first === 'vxlan') {
    const id = toInt(opts.get('id')) ?? fail(source, 'vxlan without an "id"', line, toks[0]!.column);
    const v: VxlanInfo = { id, port: toInt(opts.get('dstport')) ?? 8472, learning: !words.has('nolearning') };
    link.vxlan = assignDefined(v, { local: opts.get('local'), remote: opts.get('remote'), group: opts.get('group'), dev: opts.get('dev') });
  } else if (first === 'ipip') {
    link.ipip = tunnelEnds(opts.get('local'), opts.get('remote'), opts.get('dev'));
  } else if (first === 'bridge') {
    link.bridge = assignDefined({}, {
      vlanFiltering: bit(opts.get('vlan_filtering')),
      stp: bit(opts.get('stp_state')),
      nfCallIptables: bit(opts.get('nf_call_iptables')),
      nfCallIp6tables: bit(opts.get('nf_call_ip6tables')),
    });
  } else if (first === 'bridge_slave') {
    link.bridgePort = assignDefined({}, {
      state: opts.get('state'),
      learning: onOff(opts.get('learning')),
      hairpin: onOff(opts.get('hairpin')),
      proxyArp: onOff(opts.get('proxy_arp')),
      neighSuppress: onOff(opts.get('neigh_suppress')),
    });
  }
}

const bit = (v: string | undefined): boolean | undefined => (v === '1' ? true : v === '0' ? false : undefined);
const onOff = (v: string | undefined): boolean | undefined => (v === 'on' ? true : v === 'off' ? false : undefined);
