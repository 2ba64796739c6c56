/**
 * A lab snapshot grown into a cluster with one big Service (`default/big`, thousands of endpoints), in the shape
 * `collect` writes: the bundled lab snapshot's nodes, plus as many workers as the endpoints need (clones of node-b:
 * same dumps with the node's own addresses), every node's kube-proxy rules holding the big service as kube-proxy
 * renders it (test/lab/kube-proxy), the Pods, the Service and its EndpointSlices (100 endpoints per slice, as the
 * EndpointSlice controller cuts them). Dumps keep their encoding (large ones gzip+base64).
 * - iptables mode (examples/lab-flannel-iptables, VXLAN): the renderer's KUBE-SVC/KUBE-SEP chains and the
 *   KUBE-SERVICES rule are spliced into each node's iptables-save text (nat table, before the NodePorts jump).
 * - nftables mode (examples/lab-hostgw-nftables, host-gw): the renderer's rules for the service, written as the
 *   kernel's `nft -j` objects of the same shapes (the bundled dump's own `web` service shows them), are added to
 *   each node's `ip kube-proxy` table (test/lab/big-service.test.ts checks them against the kernel's listing).
 * Deterministic: the same options give the same snapshot.
 */
import { createHash } from 'node:crypto';
import type { DumpResult, NodeCapture, RawObject, Snapshot } from '../../src/snapshot/types.js';
import { decodeDumpStdout, encodeGzipBase64 } from '../../src/snapshot/dump-encoding.js';
import { renderIptables } from '../lab/kube-proxy/iptables.js';
import { renderNftables } from '../lab/kube-proxy/nftables.js';
import type { KubeProxyInput, LabService } from '../lab/kube-proxy/types.js';

export type ProxyMode = 'iptables' | 'nftables';

export interface BigServiceOptions {
  endpoints: number;
  /** Endpoints per node (kubelet's default max-pods is 110). Default 100. */
  perNode?: number;
}

export const BIG = { namespace: 'default', name: 'big', clusterIP: '10.96.0.50', port: 80, targetPort: 8080, portName: 'http' } as const;

/** The bundled lab snapshot each mode starts from (client pod on node-a). */
export const BASE_SNAPSHOT: Record<ProxyMode, string> = { iptables: 'examples/lab-flannel-iptables.snapshot.json', nftables: 'examples/lab-hostgw-nftables.snapshot.json' };

const POD_CIDR = '10.244.0.0/16';
const CLONE_OF = 'node-b';
const FIRST_HOST = 20; // pod addresses .20 and up: below are the lab's own pods

interface Endpoint {
  pod: string;
  ip: string;
  node: string;
}

interface NodeSlot {
  name: string;
  /** Third octet of the node's podCIDR and underlay address offset (node-a 0, node-b 1, workers 2…). */
  index: number;
}

/** `base` (a parsed bundled lab snapshot, not modified) grown as described above. */
export function bigServiceSnapshot(base: Snapshot, mode: ProxyMode, opts: BigServiceOptions): Snapshot {
  const snap = structuredClone(base);
  const perNode = opts.perNode ?? 100;
  const nodes = nodeSlots(Math.ceil(opts.endpoints / perNode));
  if (nodes.length > 240) throw new Error(`big service: ${nodes.length} nodes do not fit the lab's underlay /24`);
  if (perNode > 230) throw new Error('big service: at most 230 endpoints per node (a /24 per node)');
  const eps = Array.from({ length: opts.endpoints }, (_, j): Endpoint => {
    const slot = nodes[j % nodes.length]!;
    return { pod: podName(j), ip: `10.244.${slot.index}.${FIRST_HOST + Math.floor(j / nodes.length)}`, node: slot.name };
  });
  for (const slot of nodes) if (!snap.nodes[slot.name]) snap.nodes[slot.name] = cloneNode(snap.nodes[CLONE_OF]!, slot, mode);
  addPeerRoutes(snap, nodes, mode);
  const rules = bigRules(mode, eps);
  for (const [name, capture] of Object.entries(snap.nodes)) spliceRules(capture, mode, rules, name);
  addObjects(snap, nodes, eps);
  return snap;
}

function nodeSlots(count: number): NodeSlot[] {
  const out: NodeSlot[] = [
    { name: 'node-a', index: 0 },
    { name: 'node-b', index: 1 },
  ];
  for (let i = 2; i < count; i++) out.push({ name: `node-w${String(i - 1).padStart(3, '0')}`, index: i });
  return out.slice(0, Math.max(2, count));
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
const nodeIp = (index: number): string => `172.31.250.${10 + index}`;
const vtepMac = (index: number): string => `0e:6e:78:00:00:${hex2(index + 1)}`;

/** Deployment-style pod names (`big-6d4cf56db6-x7k2p`), deterministic. */
function podName(j: number): string {
  const h = createHash('sha256').update(`big/${j}`).digest();
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return `big-6d4cf56db6-${Array.from(h.subarray(0, 5), (b) => alphabet[b % alphabet.length]).join('')}`;
}

const textOf = (d: DumpResult): string => {
  const t = decodeDumpStdout(d);
  if (t.kind !== 'text') throw new Error(t.reason);
  return t.text;
};
const withText = (d: DumpResult, text: string): DumpResult => ({ ...d, stdout: d.encoding === 'gzip+base64' ? encodeGzipBase64(text) : text });

/** A worker: node-b's dumps with the worker's podCIDR, underlay address and MACs. */
function cloneNode(src: NodeCapture, slot: NodeSlot, mode: ProxyMode): NodeCapture {
  const b = JSON.parse(textOf(src.dumps['addr']!)) as { ifname: string; address?: string }[];
  const eth0Mac = b.find((l) => l.ifname === 'eth0')?.address;
  // Netfilter dumps hold the node's own address and subnet (NodePorts, flannel's masquerade rules), and the
  // cluster's endpoints, which are the same on every node.
  const ownAddr = (t: string): string => t.replace(/\b172\.31\.250\.11\b/g, nodeIp(slot.index)).replace(/\b10\.244\.1\.0\/24\b/g, `10.244.${slot.index}.0/24`);
  const everything = (t: string): string => {
    let out = ownAddr(t).replace(/\b10\.244\.1\.(\d+)\b/g, `10.244.${slot.index}.$1`);
    if (mode === 'iptables') out = out.replaceAll(vtepMac(1), vtepMac(slot.index));
    if (eth0Mac) out = out.replaceAll(eth0Mac, `5a:06:a2:b9:${hex2(slot.index >> 8)}:${hex2(slot.index & 255)}`);
    return out;
  };
  const dumps: NodeCapture['dumps'] = {};
  for (const [key, d] of Object.entries(src.dumps)) {
    if (!d) continue;
    const netfilter = /^(iptables|ip6tables|nft)/.test(key);
    dumps[key] = withText(d, (netfilter ? ownAddr : everything)(textOf(d)));
  }
  const out: NodeCapture = { dumps };
  if (src.files) out.files = structuredClone(src.files);
  if (src.probe) out.probe = { ...structuredClone(src.probe), transport: src.probe.transport.replace(CLONE_OF, slot.name) };
  return out;
}

/** Each node reaches every other node's podCIDR (flannel: onlink route + neighbour + FDB entry on flannel.1; host-gw: a route via the node). */
function addPeerRoutes(snap: Snapshot, nodes: NodeSlot[], mode: ProxyMode): void {
  for (const self of nodes) {
    const capture = snap.nodes[self.name]!;
    const edit = <T>(key: string, fn: (items: T[]) => T[]): void => {
      const d = capture.dumps[key];
      if (d) capture.dumps[key] = withText(d, JSON.stringify(fn(JSON.parse(textOf(d)) as T[])));
    };
    type Entry = Record<string, unknown>;
    const peers = nodes.filter((n) => n !== self);
    edit<Entry>('route', (routes) => {
      const known = new Set(routes.map((r) => r['dst']));
      const add = peers
        .filter((p) => !known.has(`10.244.${p.index}.0/24`))
        .map((p) => (mode === 'iptables' ? { dst: `10.244.${p.index}.0/24`, gateway: `10.244.${p.index}.0`, dev: 'flannel.1', flags: ['onlink'] } : { dst: `10.244.${p.index}.0/24`, gateway: nodeIp(p.index), dev: 'eth0', flags: [] }));
      return [...routes.slice(0, 1), ...add, ...routes.slice(1)];
    });
    if (mode !== 'iptables') continue;
    edit<Entry>('neigh', (ns) => [...ns, ...peers.filter((p) => !ns.some((n) => n['dst'] === `10.244.${p.index}.0`)).map((p) => ({ dst: `10.244.${p.index}.0`, dev: 'flannel.1', lladdr: vtepMac(p.index), state: ['PERMANENT'] }))]);
    edit<Entry>('fdb', (fs) => [...fs, ...peers.filter((p) => !fs.some((f) => f['mac'] === vtepMac(p.index))).map((p) => ({ mac: vtepMac(p.index), ifname: 'flannel.1', dst: nodeIp(p.index), flags: ['self'], state: 'permanent' }))]);
  }
}

function labService(eps: Endpoint[]): LabService {
  return {
    namespace: BIG.namespace,
    name: BIG.name,
    type: 'ClusterIP',
    clusterIP: BIG.clusterIP,
    ports: [{ name: BIG.portName, protocol: 'TCP', port: BIG.port, targetPort: BIG.targetPort }],
    endpoints: eps.map((e) => ({ ip: e.ip, nodeName: e.node, ready: true, pod: e.pod })),
  };
}

/** kube-proxy's input for the big service alone (what the renderers turn into its chains). */
function bigServiceInput(eps: { ip: string; node: string; pod: string }[]): KubeProxyInput {
  return { nodeName: 'node-a', nodeIPs: [nodeIp(0)], clusterCIDR: POD_CIDR, serviceCIDRs: ['10.96.0.0/16'], services: [labService(eps)] };
}

type Rules = { kind: 'iptables'; declarations: string[]; services: string[]; chains: string[] } | { kind: 'nftables'; items: NftItem[]; element: unknown; clusterIp: string };

function bigRules(mode: ProxyMode, eps: Endpoint[]): Rules {
  const input = bigServiceInput(eps);
  if (mode === 'iptables') {
    const nat = natSection(renderIptables(input));
    const own = (l: string): boolean => /^:KUBE-(SVC|SEP)-/.test(l) || /^-A KUBE-(SVC|SEP)-/.test(l);
    return {
      kind: 'iptables',
      declarations: nat.filter((l) => l.startsWith(':') && own(l)),
      services: nat.filter((l) => l.startsWith('-A KUBE-SERVICES ') && l.includes(`${BIG.namespace}/${BIG.name}:`)),
      chains: nat.filter((l) => l.startsWith('-A ') && own(l)),
    };
  }
  return nftRules(renderNftables(input));
}

function natSection(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf('*nat');
  const end = lines.indexOf('COMMIT', start);
  return lines.slice(start + 1, end);
}

function spliceRules(capture: NodeCapture, mode: ProxyMode, rules: Rules, node: string): void {
  if (rules.kind === 'iptables') {
    const d = capture.dumps['iptables'];
    if (!d) throw new Error(`${node}: no iptables dump to add the service to`);
    capture.dumps['iptables'] = withText(d, spliceIptables(textOf(d), rules));
    return;
  }
  const d = capture.dumps['nft'];
  if (!d || mode !== 'nftables') throw new Error(`${node}: no nft dump to add the service to`);
  capture.dumps['nft'] = withText(d, spliceNft(textOf(d), rules));
}

/** The service's chains into the nat table: declarations with the others, its KUBE-SERVICES rule before the NodePorts jump, its chains' rules last. */
function spliceIptables(text: string, rules: Extract<Rules, { kind: 'iptables' }>): string {
  const lines = text.split('\n');
  const start = lines.indexOf('*nat');
  const end = lines.indexOf('COMMIT', start);
  const body = lines.slice(start + 1, end);
  const firstRule = body.findIndex((l) => l.startsWith('-A '));
  const nodePorts = body.findIndex((l) => l.startsWith('-A KUBE-SERVICES ') && l.includes('-j KUBE-NODEPORTS'));
  const at = nodePorts >= 0 ? nodePorts : body.length;
  const out = [...body.slice(0, firstRule), ...rules.declarations, ...body.slice(firstRule, at), ...rules.services, ...body.slice(at), ...rules.chains];
  return [...lines.slice(0, start + 1), ...out, ...lines.slice(end)].join('\n');
}

type NftItem = Record<string, Record<string, unknown>>;

const FAMILY = { family: 'ip', table: 'kube-proxy' } as const;

/**
 * The renderer's lines for one ClusterIP service (its `service-…` chain with the masquerade check and the numgen
 * map, one `endpoint-…` chain per endpoint with the hairpin masquerade mark and the DNAT, the `service-ips` and
 * `cluster-ips` elements) as the kernel lists them with `nft -j` (handles are added when spliced).
 */
function nftRules(text: string): Extract<Rules, { kind: 'nftables' }> {
  const items: NftItem[] = [];
  let element: unknown;
  let clusterIp = '';
  const payload = (protocol: string, field: string) => ({ payload: { protocol, field } });
  const match = (op: string, left: unknown, right: unknown) => ({ match: { op, left, right } });
  for (const line of text.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^add chain ip kube-proxy ((?:service|endpoint)-\S+)$/.exec(line))) items.push({ chain: { ...FAMILY, name: m[1]! } });
    else if ((m = /^add element ip kube-proxy service-ips \{ (\S+) \. (\w+) \. (\d+) : goto (\S+) \}$/.exec(line))) element = [{ concat: [m[1], m[2], Number(m[3])] }, { goto: { target: m[4] } }];
    else if ((m = /^add element ip kube-proxy cluster-ips \{ (\S+) \}$/.exec(line))) clusterIp = m[1]!;
    else if ((m = /^add rule ip kube-proxy (\S+) ip daddr (\S+) (\w+) dport (\d+) ip saddr != (\S+)\/(\d+) jump mark-for-masquerade$/.exec(line)))
      items.push(rule(m[1]!, [match('==', payload('ip', 'daddr'), m[2]), match('==', payload(m[3]!, 'dport'), Number(m[4])), match('!=', payload('ip', 'saddr'), { prefix: { addr: m[5], len: Number(m[6]) } }), { jump: { target: 'mark-for-masquerade' } }]));
    else if ((m = /^add rule ip kube-proxy (\S+) numgen random mod (\d+) vmap \{ (.*) \}$/.exec(line))) {
      const set = m[3]!.split(' , ').map((e) => {
        const [k, target] = e.split(' : goto ');
        return [Number(k), { goto: { target } }];
      });
      items.push(rule(m[1]!, [{ vmap: { key: { numgen: { mode: 'random', mod: Number(m[2]), offset: 0 } }, data: { set } } }]));
    } else if ((m = /^add rule ip kube-proxy (\S+) ip saddr (\S+) jump mark-for-masquerade$/.exec(line))) items.push(rule(m[1]!, [match('==', payload('ip', 'saddr'), m[2]), { jump: { target: 'mark-for-masquerade' } }]));
    else if ((m = /^add rule ip kube-proxy (\S+) meta l4proto (\w+) dnat to (\S+):(\d+)$/.exec(line))) items.push(rule(m[1]!, [match('==', { meta: { key: 'l4proto' } }, m[2]), { dnat: { addr: m[3], port: Number(m[4]) } }]));
    else if (/^add (rule|chain|element) ip kube-proxy (service|endpoint)-|service-ips|cluster-ips/.test(line) && line.includes(`${BIG.namespace}/${BIG.name}/`)) throw new Error(`big service: renderer line not translated: ${line}`);
  }
  if (element === undefined || !clusterIp) throw new Error('big service: the renderer wrote no service-ips / cluster-ips element');
  return { kind: 'nftables', items, element, clusterIp };
}

const rule = (chain: string, expr: unknown[]): NftItem => ({ rule: { ...FAMILY, chain, expr } });

/** Adds the service's chains and rules to the `ip kube-proxy` table (handles after the table's highest) and its map/set elements. */
function spliceNft(text: string, rules: Extract<Rules, { kind: 'nftables' }>): string {
  const doc = JSON.parse(text) as { nftables: NftItem[] };
  const mine = (b: Record<string, unknown>): boolean => b['family'] === 'ip' && (b['table'] ?? b['name']) === 'kube-proxy';
  let handle = Math.max(0, ...doc.nftables.map((i) => Object.values(i)[0]!).filter(mine).map((b) => Number(b['handle'] ?? 0)));
  for (const item of doc.nftables) {
    const [kind, body] = Object.entries(item)[0]!;
    if (!mine(body) || (kind !== 'set' && kind !== 'map')) continue;
    const elem = (body['elem'] as unknown[] | undefined) ?? [];
    if (body['name'] === 'service-ips') body['elem'] = [...elem, rules.element];
    if (body['name'] === 'cluster-ips') body['elem'] = [...elem, rules.clusterIp];
  }
  const chains = rules.items.filter((i) => i['chain']).map((i) => ({ chain: { ...i['chain'], handle: ++handle } }));
  const ruleItems = rules.items.filter((i) => i['rule']).map((i) => ({ rule: { ...i['rule'], handle: ++handle } }));
  doc.nftables.push(...chains, ...ruleItems);
  return JSON.stringify(doc);
}

/** Workers as Node objects, the big service's Pods, the Service and its EndpointSlices. */
function addObjects(snap: Snapshot, nodes: NodeSlot[], eps: Endpoint[]): void {
  const o = snap.cluster.objects;
  const nodeObjs = o.nodes ?? [];
  const template = nodeObjs.find((n) => n.metadata?.name === CLONE_OF)!;
  for (const slot of nodes) {
    if (nodeObjs.some((n) => n.metadata?.name === slot.name)) continue;
    const text = JSON.stringify(template).replaceAll(CLONE_OF, slot.name).replace(/\b172\.31\.250\.11\b/g, nodeIp(slot.index)).replace(/\b10\.244\.1\.0\/24\b/g, `10.244.${slot.index}.0/24`);
    const n = JSON.parse(text) as RawObject;
    n.metadata = { ...n.metadata, uid: uid(`node/${slot.name}`) };
    nodeObjs.push(n);
  }
  o.nodes = nodeObjs;
  const podTemplate = (o.pods ?? []).find((p) => p.metadata?.name === 'web-1')!;
  const pods = eps.map((e) => {
    const p = structuredClone(podTemplate) as RawObject & { spec: Record<string, unknown>; status: Record<string, unknown> };
    p.metadata = { ...p.metadata, name: e.pod, namespace: BIG.namespace, uid: uid(`pod/${e.pod}`), labels: { app: BIG.name, 'pod-template-hash': '6d4cf56db6' } };
    p.spec = { ...p.spec, nodeName: e.node, containers: [{ name: 'app', image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', ports: [{ name: BIG.portName, containerPort: BIG.targetPort, protocol: 'TCP' }] }] };
    const host = nodeIp(nodes.find((n) => n.name === e.node)!.index);
    p.status = { ...p.status, podIP: e.ip, podIPs: [{ ip: e.ip }], hostIP: host, hostIPs: [{ ip: host }] };
    return p;
  });
  o.pods = [...(o.pods ?? []), ...pods];
  const svcTemplate = (o.services ?? []).find((s) => s.metadata?.name === 'web')!;
  const svc = structuredClone(svcTemplate) as RawObject & { spec: Record<string, unknown> };
  svc.metadata = { ...svc.metadata, name: BIG.name, uid: uid(`service/${BIG.name}`) };
  svc.spec = { ...svc.spec, clusterIP: BIG.clusterIP, clusterIPs: [BIG.clusterIP], selector: { app: BIG.name }, ports: [{ name: BIG.portName, port: BIG.port, protocol: 'TCP', targetPort: BIG.targetPort }] };
  o.services = [...(o.services ?? []), svc];
  const slices: RawObject[] = [];
  for (let i = 0; i < eps.length; i += 100) {
    const name = `${BIG.name}-${podName(1_000_000 + i).slice(-5)}`;
    slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name, namespace: BIG.namespace, uid: uid(`slice/${name}`), generateName: `${BIG.name}-`, labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': BIG.name } },
      addressType: 'IPv4',
      endpoints: eps.slice(i, i + 100).map((e) => ({ addresses: [e.ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: e.node, targetRef: { kind: 'Pod', name: e.pod, namespace: BIG.namespace, uid: uid(`pod/${e.pod}`) } })),
      ports: [{ name: BIG.portName, port: BIG.targetPort, protocol: 'TCP' }],
    });
  }
  o.endpointslices = [...(o.endpointslices ?? []), ...slices];
}

function uid(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
