import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { neededRuleText, rbacObjects, rbacYaml } from '../../src/cluster/rbac.js';
import { RESOURCES } from '../../src/cluster/resources.js';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
type RbacObject = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; rules?: Rule[] };

/** Whether the objects let a user do `verb` on `resource` in `namespace` (undefined: cluster scope). */
const allows = (objs: RbacObject[], verb: string, group: string, resource: string, namespace?: string): boolean =>
  objs.some(
    (o) =>
      (o.kind === 'ClusterRole' || (o.kind === 'Role' && o.metadata.namespace === namespace)) &&
      (o.rules ?? []).some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb)),
  );

const READ = new Set(['get', 'list', 'watch']);

describe('RBAC', () => {
  const objs = rbacObjects() as unknown as RbacObject[];

  it('the ClusterRole only reads: no pod create, delete or exec outside the probe namespace', () => {
    const clusterRole = objs.find((o) => o.kind === 'ClusterRole')!;
    expect(clusterRole.rules!.flatMap((r) => r.verbs).filter((v) => !READ.has(v))).toEqual([]);
    for (const ns of ['default', 'shop', 'kube-public']) {
      expect(allows(objs, 'create', '', 'pods', ns), ns).toBe(false);
      expect(allows(objs, 'delete', '', 'pods', ns), ns).toBe(false);
      expect(allows(objs, 'create', '', 'pods/exec', ns), ns).toBe(false);
    }
    expect(allows(objs, 'list', '', 'pods')).toBe(true);
    expect(allows(objs, 'list', 'discovery.k8s.io', 'endpointslices')).toBe(true);
    expect(allows(objs, 'list', 'networking.k8s.io', 'servicecidrs')).toBe(true);
    expect(allows(objs, 'list', 'crd.projectcalico.org', 'ippools')).toBe(true);
    expect(allows(objs, 'list', 'cilium.io', 'ciliumnodes')).toBe(true);
    expect(allows(objs, 'get', '', 'namespaces')).toBe(true);
    expect(objs.flatMap((o) => o.rules ?? []).every((r) => !r.verbs.includes('*') && !r.resources.includes('secrets'))).toBe(true);
  });

  it('the probe namespace gets what the probe does there: pods create/delete/exec, its anchor Job, events', () => {
    const o = rbacObjects({ probeNamespace: 'netx-probe' }) as unknown as RbacObject[];
    expect(allows(o, 'create', '', 'pods', 'netx-probe')).toBe(true);
    expect(allows(o, 'delete', '', 'pods', 'netx-probe')).toBe(true);
    expect(allows(o, 'create', '', 'pods/exec', 'netx-probe')).toBe(true);
    expect(allows(o, 'get', '', 'pods/exec', 'netx-probe')).toBe(true);
    expect(allows(o, 'create', 'batch', 'jobs', 'netx-probe')).toBe(true);
    expect(allows(o, 'delete', 'batch', 'jobs', 'netx-probe')).toBe(true);
    expect(allows(o, 'list', '', 'events', 'netx-probe')).toBe(true);
    expect(allows(o, 'create', '', 'pods', 'kube-system')).toBe(false);
    expect(allows(o, 'create', '', 'pods/exec', 'kube-system')).toBe(false);
    // kube-system is read for configuration only.
    expect(allows(o, 'list', '', 'configmaps', 'kube-system')).toBe(true);
    expect(allows(o, 'list', 'apps', 'daemonsets', 'kube-system')).toBe(true);
    expect(allows(o, 'list', '', 'configmaps', 'default')).toBe(false);
    // A namespace of its own comes with the Pod Security level the probe pod needs.
    expect(o[0]).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'netx-probe', labels: { 'app.kubernetes.io/name': 'kubectl-netx', 'pod-security.kubernetes.io/enforce': 'privileged' } } });
    expect(o.map((x) => `${x.kind}/${x.metadata.namespace ?? x.metadata.name}`)).toEqual(['Namespace/netx-probe', 'ClusterRole/kubectl-netx', 'Role/kube-system', 'Role/netx-probe']);
  });

  it('reads flannel\'s net-conf ConfigMap by name wherever its manifest put it, and no other ConfigMap outside kube-system', () => {
    const clusterRole = objs.find((o) => o.kind === 'ClusterRole') as unknown as { rules: (Rule & { resourceNames?: string[] })[] };
    const named = clusterRole.rules.filter((r) => r.resources.includes('configmaps'));
    expect(named).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['kube-flannel-cfg'], verbs: ['get'] }]);
    expect(clusterRole.rules.filter((r) => r.resourceNames === undefined).some((r) => r.resources.includes('configmaps'))).toBe(false);
    expect(neededRuleText('configmaps')).toBe("get, list on configmaps in namespace kube-system and get on configmaps named kube-flannel-cfg in any namespace (kube-proxy and kubeadm config; flannel's net-conf (its network))");
    expect(rbacYaml()).toMatch(/^# {3}configmaps: get, list in kube-system; get on kube-flannel-cfg in any namespace — /m);
  });

  it('writes to services only with --service-cidr-dry-run (RBAC cannot limit a create to dry runs)', () => {
    expect(allows(objs, 'create', '', 'services', 'default')).toBe(false);
    const dry = rbacObjects({ serviceCidrDryRun: true }) as unknown as RbacObject[];
    expect(allows(dry, 'create', '', 'services', 'default')).toBe(true);
    expect(allows(dry, 'create', '', 'services', 'shop')).toBe(false);
  });

  it('prints the same objects as YAML documents, warning when the probe namespace is kube-system', () => {
    const yaml = rbacYaml();
    const docs = parseAllDocuments(yaml).map((d) => d.toJS() as RbacObject);
    expect(docs).toEqual(objs);
    expect(docs.map((d) => `${d.kind}/${d.metadata.namespace ?? ''}`)).toEqual(['ClusterRole/', 'Role/kube-system']);
    expect(yaml).toMatch(/pods\/exec there reaches every pod of it/);
    expect(rbacYaml({ probeNamespace: 'netx-probe' })).not.toMatch(/reaches every pod/);
    const dry = parseAllDocuments(rbacYaml({ serviceCidrDryRun: true })).map((d) => d.toJS() as RbacObject);
    expect(dry.map((d) => `${d.kind}/${d.metadata.namespace ?? ''}`)).toEqual(['ClusterRole/', 'Role/default', 'Role/kube-system']);
  });

  it('words the needed rule for every resource, naming the probe namespace', () => {
    for (const r of RESOURCES) expect(neededRuleText(r.resource)).toContain(r.resource);
    expect(neededRuleText('services')).toBe('get, list on services and create on services in namespace default (service IPs; create (only with --service-cidr-dry-run): the dry-run service CIDR probe)');
    expect(neededRuleText('pods', 'exec', 'netx-probe')).toBe('create, get on pods/exec in the probe namespace (netx-probe) (run the read-only probe commands in the probe pods)');
    expect(neededRuleText('pods', undefined, 'netx-probe')).toBe('get, list on pods and create, delete on pods in the probe namespace (netx-probe) (pod IPs and nodes; create/delete: the node probe pods, in the probe namespace only)');
    expect(neededRuleText('secrets')).toBeUndefined();
  });
});
