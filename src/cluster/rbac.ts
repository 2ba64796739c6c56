/**
 * The least privilege netx needs, as a ClusterRole, built from the one resource table. `kubectl netx
 * rbac` prints it; a 403 names the rule that was missing.
 */
import { stringify } from 'yaml';
import { RESOURCES, type ResourceInfo } from './resources.js';

export const CLUSTER_ROLE_NAME = 'kubectl-netx';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

function rulesFor(info: ResourceInfo): PolicyRule[] {
  const rules: PolicyRule[] = [{ apiGroups: [info.group], resources: [info.resource], verbs: info.verbs }];
  for (const sub of info.subresources ?? []) {
    rules.push({ apiGroups: [info.group], resources: [`${info.resource}/${sub.name}`], verbs: sub.verbs });
  }
  return rules;
}

/** The ClusterRole as an object (for tests and -o json). */
export function clusterRole(): Record<string, unknown> {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: CLUSTER_ROLE_NAME, labels: { 'app.kubernetes.io/name': 'kubectl-netx' } },
    rules: RESOURCES.flatMap(rulesFor),
  };
}

/** The ClusterRole as commented YAML, ready for `kubectl apply -f -`. */
export function clusterRoleYaml(): string {
  const lines = [
    '# Minimal permissions for kubectl-netx. Apply, then bind to a user or group, e.g.:',
    `#   kubectl create clusterrolebinding ${CLUSTER_ROLE_NAME} --clusterrole=${CLUSTER_ROLE_NAME} --user=<you>`,
    '# Why each rule is there:',
    ...RESOURCES.flatMap((r) => [
      `#   ${r.resource}: ${r.verbs.join(', ')} (${r.why}${r.onlyNamespace ? `; read only in ${r.onlyNamespace}` : ''})`,
      ...(r.subresources ?? []).map((s) => `#   ${r.resource}/${s.name}: ${s.verbs.join(', ')} (${s.why})`),
    ]),
  ];
  return `${lines.join('\n')}\n${stringify(clusterRole())}`;
}

/** The rule netx needs for a refused request, in words: "get, list on pods (pod IPs and nodes; ...)". */
export function neededRuleText(resource: string, subresource?: string): string | undefined {
  const info = RESOURCES.find((r) => r.resource === resource);
  if (!info) return undefined;
  if (subresource) {
    const sub = info.subresources?.find((s) => s.name === subresource);
    return sub ? `${sub.verbs.join(', ')} on ${resource}/${subresource} (${sub.why})` : undefined;
  }
  const group = info.group === '' ? '' : `.${info.group}`;
  return `${info.verbs.join(', ')} on ${resource}${group} (${info.why})`;
}
