/**
 * The least privilege netx needs, built from the one resource table (cluster/resources.ts): a
 * ClusterRole that only reads, and Roles for what it touches in one namespace: kube-system config,
 * and the probe namespace, the only place where it creates, deletes and execs into pods. `kubectl
 * netx rbac` prints them; a 403 names the rule that was missing.
 */
import { yamlLib } from '../util/yaml-lib.js';
import { PROBE_NAMESPACE, RESOURCES, type ResourceInfo } from './resources.js';

const RBAC_NAME = 'kubectl-netx';
export const DEFAULT_RBAC_PROBE_NAMESPACE = 'kube-system';
export const PSA_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

export interface RbacOptions {
  /** Where the probe pods go (--probe-namespace). */
  probeNamespace: string;
  /** Include `create services` in default for the dry-run service-CIDR probe. */
  serviceCidrDryRun: boolean;
}

const DEFAULTS: RbacOptions = { probeNamespace: DEFAULT_RBAC_PROBE_NAMESPACE, serviceCidrDryRun: false };

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

const rule = (info: ResourceInfo, verbs: string[], sub?: string): PolicyRule => ({
  apiGroups: [info.group],
  resources: [sub ? `${info.resource}/${sub}` : info.resource],
  verbs,
});

const clusterRules = (): PolicyRule[] => [
  ...RESOURCES.filter((info) => info.verbs.length).map((info) => rule(info, info.verbs)),
  ...RESOURCES.flatMap((info) => (info.named ? [{ apiGroups: [info.group], resources: [info.resource], resourceNames: info.named.names, verbs: info.named.verbs }] : [])),
];

/** Namespaced grants of a resource with the probe namespace filled in. */
function grantsOf(info: ResourceInfo, o: RbacOptions): { namespace: string; verbs: string[]; sub?: string }[] {
  const at = (ns: string): string => (ns === PROBE_NAMESPACE ? o.probeNamespace : ns);
  const own = Object.entries(info.verbsIn ?? {}).map(([ns, verbs]) => ({ namespace: at(ns), verbs }));
  const dry = o.serviceCidrDryRun ? Object.entries(info.dryRunVerbsIn ?? {}).map(([ns, verbs]) => ({ namespace: at(ns), verbs })) : [];
  const subs = (info.subresources ?? []).flatMap((s) => Object.entries(s.verbsIn).map(([ns, verbs]) => ({ namespace: at(ns), verbs, sub: s.name })));
  return [...own, ...dry, ...subs];
}

function namespaceRules(o: RbacOptions): Map<string, PolicyRule[]> {
  const byNs = new Map<string, PolicyRule[]>();
  for (const info of RESOURCES) {
    for (const g of grantsOf(info, o)) byNs.set(g.namespace, [...(byNs.get(g.namespace) ?? []), rule(info, g.verbs, g.sub)]);
  }
  return new Map([...byNs].sort(([a], [b]) => a.localeCompare(b)));
}

const labels = { 'app.kubernetes.io/name': 'kubectl-netx' };

/** Namespaces the cluster itself owns: netx never relabels them. */
const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'default']);

/**
 * The ClusterRole, the per-namespace Roles and, for a probe namespace of its own, the Namespace
 * labelled for Pod Security `privileged` (the probe pod runs on the host network with NET_ADMIN).
 */
export function rbacObjects(options: Partial<RbacOptions> = {}): Record<string, unknown>[] {
  const o = { ...DEFAULTS, ...options };
  const namespace = SYSTEM_NAMESPACES.has(o.probeNamespace)
    ? []
    : [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.probeNamespace, labels: { ...labels, [PSA_ENFORCE_LABEL]: 'privileged' } } }];
  const clusterRole = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: RBAC_NAME, labels }, rules: clusterRules() };
  const roles = [...namespaceRules(o)].map(([ns, rules]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: RBAC_NAME, namespace: ns, labels },
    rules,
  }));
  return [...namespace, clusterRole, ...roles];
}

function yamlDoc(obj: Record<string, unknown>): string {
  const { Document, isSeq, visit } = yamlLib();
  const doc = new Document(obj);
  // Short lists inside rules read best inline, as in the Kubernetes docs: verbs: [get, list].
  visit(doc, { Seq: (_k, node, path) => void (path.length > 3 && isSeq(node) ? (node.flow = true) : undefined) });
  return doc.toString();
}

/** Commented multi-document YAML, ready for `kubectl apply -f -`. */
export function rbacYaml(options: Partial<RbacOptions> = {}): string {
  const o = { ...DEFAULTS, ...options };
  const namespaces = [...namespaceRules(o).keys()];
  const header = [
    '# Minimal permissions for kubectl-netx: read-only across the cluster; pods are created, deleted and',
    `# exec'd into only in the probe namespace (${o.probeNamespace}). Apply, then bind them to the user or group that runs netx:`,
    `#   kubectl create clusterrolebinding ${RBAC_NAME} --clusterrole=${RBAC_NAME} --user=<you>`,
    ...namespaces.map((ns) => `#   kubectl -n ${ns} create rolebinding ${RBAC_NAME} --role=${RBAC_NAME} --user=<you>`),
    ...(o.probeNamespace === 'kube-system'
      ? [
          '# The probe namespace is kube-system: pods/exec there reaches every pod of it (apiserver, etcd, CNI agents).',
          '# A namespace of its own grants nothing else: kubectl netx rbac --probe-namespace netx-probe',
        ]
      : []),
    '# Why each rule is there:',
    ...RESOURCES.flatMap((r) => [`#   ${r.resource}: ${scopeText(r, o)} — ${r.why}`, ...(r.subresources ?? []).map((s) => `#   ${r.resource}/${s.name}: ${subScope(s.verbsIn, o)} — ${s.why}`)]),
  ];
  return `${header.join('\n')}\n${rbacObjects(o).map(yamlDoc).join('---\n')}`;
}

const nsName = (ns: string, o: RbacOptions): string => (ns === PROBE_NAMESPACE ? `${o.probeNamespace} (probe namespace)` : ns);
const subScope = (verbsIn: Record<string, string[]>, o: RbacOptions): string =>
  Object.entries(verbsIn)
    .map(([ns, verbs]) => `${verbs.join(', ')} in ${nsName(ns, o)}`)
    .join('; ');

function scopeText(r: ResourceInfo, o: RbacOptions): string {
  const parts = r.verbs.length ? [r.verbs.join(', ')] : [];
  for (const [ns, verbs] of Object.entries(r.verbsIn ?? {})) parts.push(`${verbs.join(', ')} in ${nsName(ns, o)}`);
  if (r.named) parts.push(`${r.named.verbs.join(', ')} on ${r.named.names.join(', ')} in any namespace`);
  for (const [ns, verbs] of Object.entries(r.dryRunVerbsIn ?? {})) parts.push(`${verbs.join(', ')} in ${ns}${o.serviceCidrDryRun ? '' : ' (not granted: only with --service-cidr-dry-run)'}`);
  return parts.join('; ');
}

/**
 * The rule netx needs for a refused request, in words: "get, list on daemonsets.apps in namespace
 * kube-system (why)". `namespace`: where the refused request went (names the probe namespace).
 */
export function neededRuleText(resource: string, subresource?: string, namespace?: string): string | undefined {
  const info = RESOURCES.find((r) => r.resource === resource);
  if (!info) return undefined;
  const where = (ns: string): string => (ns === PROBE_NAMESPACE ? `the probe namespace${namespace ? ` (${namespace})` : ''}` : `namespace ${ns}`);
  if (subresource) {
    const sub = info.subresources?.find((s) => s.name === subresource);
    if (!sub) return undefined;
    return `${Object.entries(sub.verbsIn).map(([ns, verbs]) => `${verbs.join(', ')} on ${resource}/${subresource} in ${where(ns)}`).join(' and ')} (${sub.why})`;
  }
  const name = `${resource}${info.group === '' ? '' : `.${info.group}`}`;
  const parts = info.verbs.length ? [`${info.verbs.join(', ')} on ${name}`] : [];
  for (const [ns, verbs] of Object.entries({ ...info.verbsIn, ...info.dryRunVerbsIn })) parts.push(`${verbs.join(', ')} on ${name} in ${where(ns)}`);
  if (info.named) parts.push(`${info.named.verbs.join(', ')} on ${name} named ${info.named.names.join(', ')} in any namespace`);
  return `${parts.join(' and ')} (${info.why})`;
}
