/** Builds a node's dataplane model from its captured dumps: each dump through its parser, gaps recorded, never guessed. */
import { DUMP_KEYS, type DumpKey, type NodeCapture } from '../../snapshot/types.js';
import type { NodeModel, Route, RoutingRule } from '../../model/node.js';
import type { ParseWarning } from '../../util/parse-error.js';
import type { Parsed } from '../parsed.js';
import { parseIpAddr } from '../iproute/addr.js';
import { parseIpLink } from '../iproute/link.js';
import { parseIpRule } from '../iproute/rule.js';
import { parseIpRoute } from '../iproute/route.js';
import { parseIpNeigh } from '../iproute/neigh.js';
import { parseBridgeFdb } from '../bridge-fdb.js';
import { parseSysctl } from '../sysctl.js';
import { parseConntrack } from '../conntrack.js';
import { parseIpvs } from '../ipvs.js';
import { selectCniConfig } from '../cni/select.js';
import { buildRuleset } from './node-netfilter.js';
import { dumpReader } from './dump-reader.js';
import { stateGaps } from './state-gaps.js';

/**
 * Every known dump key gets `have[key]`: true only when the dump was collected, exited 0 and parsed. A missing dump stays
 * "unknown" (false, `not-collected` warning with the probe's reason when it gave one); a failed command or an
 * unparseable dump is false with a warning that quotes the cause.
 * Extension keys read here: `ip6-rule`, `ip6-route` (IPv6 forms), `conntrack-ipv6` (`conntrack -L -f ipv6`: a plain
 * `conntrack -L` lists IPv4 entries only), `ipset`, `ip6tables-nft`, `ip6tables-legacy`.
 */
export function buildNodeModel(name: string, capture: NodeCapture): NodeModel {
  const warnings: ParseWarning[] = [];
  const have: Record<string, boolean> = {};
  for (const k of [...DUMP_KEYS, ...Object.keys(capture.dumps)]) have[k] = false;
  const r = dumpReader(name, capture, warnings);
  const parsed = <T>(key: DumpKey, parse: (t: string, source: string) => Parsed<T>): T | undefined => {
    const out = r.run(key, parse);
    if (!out) return undefined;
    warnings.push(...out.warnings.map((w) => ({ ...w, source: w.source ?? key })));
    return out.value;
  };

  for (const key of DUMP_KEYS) if (!capture.dumps[key]) warnings.push(notCollected(key, capture));

  const links = parsed('link', (t, source) => parseIpLink(t, { source }));
  const addr = parsed('addr', (t, source) => parseIpAddr(t, { source }));
  const rules: RoutingRule[] = [
    ...(parsed('rule', (t, source) => parseIpRule(t, { source, family: 4 })) ?? []),
    ...(parsed('ip6-rule', (t, source) => parseIpRule(t, { source, family: 6 })) ?? []),
  ];
  const routes = dedupeRoutes([
    ...(parsed('route', (t, source) => parseIpRoute(t, { source })) ?? []),
    ...(parsed('ip6-route', (t, source) => parseIpRoute(t, { source, family: 6 })) ?? []),
  ]);
  const nf = buildRuleset(r);
  const conntrack = [parsed('conntrack', (t, source) => parseConntrack(t, { source })), parsed('conntrack-ipv6', (t, source) => parseConntrack(t, { source }))];
  const model: NodeModel = {
    name,
    links: links ?? addr?.links ?? [],
    addresses: addr?.addresses ?? [],
    rules: rules.sort((a, b) => a.family - b.family || a.priority - b.priority),
    routes,
    neighbours: parsed('neigh', (t, source) => parseIpNeigh(t, { source })) ?? [],
    fdb: parsed('fdb', (t, source) => parseBridgeFdb(t, { source })) ?? [],
    sysctl: parsed('sysctl', (t, source) => parseSysctl(t, { source })) ?? {},
    ruleset: nf.ruleset,
    conntrack: conntrack.flatMap((c) => c?.entries ?? []),
    ipvs: parsed('ipvs', (t, source) => parseIpvs(t, { source })) ?? [],
    have,
    warnings,
  };
  if (nf.dumps.length) model.netfilterDumps = nf.dumps;
  // kube-proxy's answer is no dataplane state: when it could not be read that is recorded, never a warning of the model.
  const kube = dumpReader(name, capture, []);
  const proxyMode = kube.run('proxyMode', (t) => t.trim());
  if (proxyMode) model.kubeProxyMode = proxyMode;
  for (const k of Object.keys(have)) have[k] = r.read(k) || kube.read(k);
  if (!links && addr) warnings.push({ code: 'links-from-addr', source: 'link', message: 'no usable link dump: links are taken from the addr dump, without -d details (kinds, VXLAN, bridge ports are unknown)' });
  warnings.push(...nf.ruleset.warnings.map((w) => ({ ...w, source: w.source ?? 'netfilter' })));
  if (Object.keys(nf.origins).length) model.iptablesOrigin = nf.origins;
  if (capture.files && Object.keys(capture.files).length) model.cni = selectCniConfig(capture.files);
  const gaps = [...stateGaps(r, model, conntrack), ...nf.gaps];
  if (gaps.length) model.gaps = gaps;
  const failures = { ...r.failures(), ...kube.failures() };
  if (Object.keys(failures).length) model.failures = failures;
  return model;
}

/** `ip route show table all` lists both families on current iproute2; an `ip6-route` dump repeats the IPv6 ones. */
function dedupeRoutes(routes: Route[]): Route[] {
  const seen = new Set<string>();
  return routes.filter((r) => {
    const k = JSON.stringify([r.family, r.table, r.type, r.dst, r.dev, r.gateway, r.metric, r.tos]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function notCollected(key: DumpKey, capture: NodeCapture): ParseWarning {
  const gap = capture.probe?.errors?.find((g) => g.what === key || g.what.split(/\s+/).includes(key));
  return { code: 'not-collected', source: key, message: gap ? `${key} was not collected: ${gap.reason}` : `${key} was not collected: its state is unknown` };
}
