/**
 * The least privilege netx needs, built from the one resource table (cluster/resources.ts): a
 * ClusterRole for what it reads everywhere, and Roles for what it touches in one namespace only
 * (kube-system config, the dry-run Service probe in default). `kubectl netx rbac` prints them; a 403
 * names the rule that was missing.
 */
import { Document, isSeq, visit } from 'yaml';
import { RESOURCES, type ResourceInfo } from './resources.js';

export const RBAC_NAME = 'kubectl-netx';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const rule = (info: ResourceInfo, verbs: string[], sub?: string): PolicyRule => ({
  apiGroups: [info.group],
  resources: [sub ? `${info.resource}/${sub}` : info.resource],
  verbs,
});

function clusterRules(): PolicyRule[] {
  return RESOURCES.flatMap((info) => [
    ...(info.verbs.length ? [rule(info, info.verbs)] : []),
    ...(info.subresources ?? []).map((s) => rule(info, s.verbs, s.name)),
  ]);
}

function namespaceRules(): Map<string, PolicyRule[]> {
  const byNs = new Map<string, PolicyRule[]>();
  for (const info of RESOURCES) {
    for (const [ns, verbs] of Object.entries(info.verbsIn ?? {})) byNs.set(ns, [...(byNs.get(ns) ?? []), rule(info, verbs)]);
  }
  return byNs;
}

const labels = { 'app.kubernetes.io/name': 'kubectl-netx' };

/** The ClusterRole and the per-namespace Roles, as API objects (for tests and -o json). */
export function rbacObjects(): Record<string, unknown>[] {
  const clusterRole = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: RBAC_NAME, labels }, rules: clusterRules() };
  const roles = [...namespaceRules()].map(([namespace, rules]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: RBAC_NAME, namespace, labels },
    rules,
  }));
  return [clusterRole, ...roles];
}

function yamlDoc(obj: Record<string, unknown>): string {
  const doc = new Document(obj);
  // Short lists inside rules read best inline, as in the Kubernetes docs: verbs: [get, list].
  visit(doc, { Seq: (_k, node, path) => void (path.length > 3 && isSeq(node) ? (node.flow = true) : undefined) });
  return doc.toString();
}

/** Commented multi-document YAML, ready for `kubectl apply -f -`. */
export function rbacYaml(): string {
  const namespaces = [...namespaceRules().keys()];
  const header = [
    '# Minimal permissions for kubectl-netx. Apply, then bind them to the user or group that runs netx:',
    `#   kubectl create clusterrolebinding ${RBAC_NAME} --clusterrole=${RBAC_NAME} --user=<you>`,
    ...namespaces.map((ns) => `#   kubectl -n ${ns} create rolebinding ${RBAC_NAME} --role=${RBAC_NAME} --user=<you>`),
    '# Why each rule is there:',
    ...RESOURCES.flatMap((r) => [`#   ${r.resource}: ${scopeText(r)} — ${r.why}`, ...(r.subresources ?? []).map((s) => `#   ${r.resource}/${s.name}: ${s.verbs.join(', ')} — ${s.why}`)]),
  ];
  return `${header.join('\n')}\n${rbacObjects().map(yamlDoc).join('---\n')}`;
}

function scopeText(r: ResourceInfo): string {
  const parts = r.verbs.length ? [r.verbs.join(', ')] : [];
  for (const [ns, verbs] of Object.entries(r.verbsIn ?? {})) parts.push(`${verbs.join(', ')} in ${ns}`);
  return parts.join('; ');
}

/** The rule netx needs for a refused request, in words: "get, list on daemonsets.apps in kube-system (why)". */
export function neededRuleText(resource: string, subresource?: string): string | undefined {
  const info = RESOURCES.find((r) => r.resource === resource);
  if (!info) return undefined;
  if (subresource) {
    const sub = info.subresources?.find((s) => s.name === subresource);
    return sub ? `${sub.verbs.join(', ')} on ${resource}/${subresource} (${sub.why})` : undefined;
  }
  const name = `${resource}${info.group === '' ? '' : `.${info.group}`}`;
  const parts = info.verbs.length ? [`${info.verbs.join(', ')} on ${name}`] : [];
  for (const [ns, verbs] of Object.entries(info.verbsIn ?? {})) parts.push(`${verbs.join(', ')} on ${name} in namespace ${ns}`);
  return `${parts.join(' and ')} (${info.why})`;
}
