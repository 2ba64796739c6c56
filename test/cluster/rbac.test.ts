import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { neededRuleText, rbacObjects, rbacYaml } from '../../src/cluster/rbac.js';
import { RESOURCES } from '../../src/cluster/resources.js';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
type RbacObject = { kind: string; metadata: { name: string; namespace?: string }; rules: Rule[] };

const allows = (objs: RbacObject[], verb: string, group: string, resource: string, namespace?: string): boolean =>
  objs.some(
    (o) =>
      (o.kind === 'ClusterRole' || o.metadata.namespace === namespace) &&
      o.rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb)),
  );

describe('RBAC', () => {
  const objs = rbacObjects() as unknown as RbacObject[];

  it('grants what netx uses and keeps kube-system reads and the probe create namespaced', () => {
    expect(allows(objs, 'list', '', 'pods')).toBe(true);
    expect(allows(objs, 'create', '', 'pods/exec')).toBe(true);
    expect(allows(objs, 'list', 'discovery.k8s.io', 'endpointslices')).toBe(true);
    expect(allows(objs, 'list', 'networking.k8s.io', 'servicecidrs')).toBe(true);
    expect(allows(objs, 'list', 'crd.projectcalico.org', 'ippools')).toBe(true);
    expect(allows(objs, 'list', 'cilium.io', 'ciliumnodes')).toBe(true);
    expect(allows(objs, 'list', '', 'configmaps', 'kube-system')).toBe(true);
    expect(allows(objs, 'list', '', 'configmaps', 'default')).toBe(false);
    expect(allows(objs, 'list', 'apps', 'daemonsets', 'kube-system')).toBe(true);
    expect(allows(objs, 'create', '', 'services', 'default')).toBe(true);
    expect(allows(objs, 'create', '', 'services', 'shop')).toBe(false);
    expect(objs.flatMap((o) => o.rules).every((r) => !r.verbs.includes('*') && !r.resources.includes('secrets'))).toBe(true);
  });

  it('prints the same objects as YAML documents', () => {
    const docs = parseAllDocuments(rbacYaml()).map((d) => d.toJS() as RbacObject);
    expect(docs).toEqual(objs);
    expect(docs.map((d) => `${d.kind}/${d.metadata.namespace ?? ''}`)).toEqual(['ClusterRole/', 'Role/default', 'Role/kube-system']);
  });

  it('words the needed rule for every resource', () => {
    for (const r of RESOURCES) expect(neededRuleText(r.resource)).toContain(r.resource);
    expect(neededRuleText('services')).toBe('get, list on services and create on services in namespace default (service IPs; create: the service CIDR probe, always dryRun=All, nothing is created)');
    expect(neededRuleText('pods', 'exec')).toBe('create, get on pods/exec (run the read-only probe commands in the probe pod)');
    expect(neededRuleText('secrets')).toBeUndefined();
  });
});
