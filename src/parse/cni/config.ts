/** CNI network configuration files (.conflist, .conf, .json; JSONC; Multus; install templates; flannel files). */
import { ParseError, type ParseWarning } from '../../util/parse-error.js';
import { JsonReader, type JsonObject } from '../json-reader.js';
import { assignDefined, type Parsed } from '../parsed.js';
import { parseJsonText, splitLines } from '../text.js';
import { findPlaceholders, stripJsonComments } from './jsonc.js';
import type { CniConfig, CniFile, CniPlugin, FlannelNetConf, FlannelSubnetEnv } from '../../model/cni.js';

export type { CniConfig, CniFile } from '../../model/cni.js';


/** Parses one file from a CNI directory (or a flannel file); `file` names it in errors. */
export function parseCniFile(file: string, text: string): Parsed<CniFile> {
  if (file.endsWith('.env')) return parseFlannelSubnetEnv(file, text);
  const warnings: ParseWarning[] = [];
  const { text: noComments, hadComments } = stripJsonComments(text);
  if (hadComments) warnings.push({ code: 'jsonc', message: `${file} contains comments; libcni would reject it as invalid JSON` });
  const { names, parseable } = findPlaceholders(noComments);
  const r = new JsonReader(file);
  const doc = r.object(parseJsonText(parseable, file), '$');
  if (names.length === 0 && ('Network' in doc || 'Backend' in doc) && !('type' in doc) && !('plugins' in doc)) return { value: flannelNetConf(r, file, doc), warnings };
  const config = configFromJson(r, file, doc, '$', warnings);
  if (names.length > 0) {
    warnings.push({ code: 'template', message: `${file} is a template: ${names.join(', ')} are substituted at install time` });
    return { value: { kind: 'template', file, placeholders: names, config }, warnings };
  }
  return { value: config, warnings };
}

function configFromJson(r: JsonReader, file: string, o: JsonObject, path: string, warnings: ParseWarning[]): CniConfig {
  const isList = 'plugins' in o;
  const pluginObjs = isList ? r.array(o.plugins, `${path}.plugins`).map((p, i) => r.object(p, `${path}.plugins[${i}]`)) : [o];
  if (!isList && typeof o.type !== 'string') r.fail(path, 'neither "plugins" (conflist) nor "type" (single plugin conf): not a CNI network configuration');
  const plugins = pluginObjs.map((p, i): CniPlugin => ({ type: r.str(p, 'type', isList ? `${path}.plugins[${i}]` : path), raw: p }));
  if (plugins.length === 0) warnings.push({ code: 'empty-conflist', message: `${file} has no plugins`, path });
  const first = plugins[0]?.raw;
  const ipam = first?.ipam;
  const cfg: CniConfig = { kind: 'config', file, format: isList ? 'conflist' : 'conf', plugins, chained: plugins.slice(1).map((p) => p.type), delegates: [] };
  assignDefined(cfg, {
    name: r.optStr(o, 'name', path),
    cniVersion: r.optStr(o, 'cniVersion', path),
    primaryType: plugins[0]?.type,
    ipamType: typeof ipam === 'object' && ipam !== null && typeof (ipam as JsonObject).type === 'string' ? ((ipam as JsonObject).type as string) : undefined,
  });
  const delegates = first?.delegates;
  if (delegates !== undefined) {
    cfg.delegates = r.array(delegates, `${path}.delegates`).map((d, i) => configFromJson(r, file, r.object(d, `${path}.delegates[${i}]`), `${path}.delegates[${i}]`, warnings));
  }
  return cfg;
}

function flannelNetConf(r: JsonReader, file: string, o: JsonObject): FlannelNetConf {
  const backend = o.Backend === undefined ? undefined : r.object(o.Backend, '$.Backend');
  return assignDefined<FlannelNetConf>({ kind: 'flannel-net-conf', file }, {
    network: r.optStr(o, 'Network', '$'),
    ipv6Network: r.optStr(o, 'IPv6Network', '$'),
    backendType: backend ? r.optStr(backend, 'Type', '$.Backend') : undefined,
    enableNFTables: r.optBool(o, 'EnableNFTables', '$'),
  });
}

/** `KEY=VALUE` lines of /run/flannel/subnet.env. */
function parseFlannelSubnetEnv(file: string, text: string): Parsed<FlannelSubnetEnv> {
  const vars: Record<string, string> = {};
  const warnings: ParseWarning[] = [];
  splitLines(text).forEach((raw, i) => {
    const s = raw.trim();
    if (s === '' || s.startsWith('#')) return;
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(s);
    if (!m) throw new ParseError(file, 'expected KEY=VALUE', i + 1, raw.indexOf(s) + 1);
    vars[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  });
  const known = new Set(['FLANNEL_NETWORK', 'FLANNEL_SUBNET', 'FLANNEL_IPV6_NETWORK', 'FLANNEL_IPV6_SUBNET', 'FLANNEL_MTU', 'FLANNEL_IPMASQ']);
  for (const k of Object.keys(vars)) if (!known.has(k)) warnings.push({ code: 'unknown-field', message: `${k} is not interpreted` });
  const mtu = vars.FLANNEL_MTU !== undefined && /^\d+$/.test(vars.FLANNEL_MTU) ? Number(vars.FLANNEL_MTU) : undefined;
  const value = assignDefined<FlannelSubnetEnv>({ kind: 'flannel-subnet-env', file, vars }, {
    network: vars.FLANNEL_NETWORK,
    subnet: vars.FLANNEL_SUBNET,
    ipv6Network: vars.FLANNEL_IPV6_NETWORK,
    ipv6Subnet: vars.FLANNEL_IPV6_SUBNET,
    mtu,
    ipmasq: vars.FLANNEL_IPMASQ === undefined ? undefined : vars.FLANNEL_IPMASQ === 'true',
  });
  return { value, warnings };
}
