import { describe, expect, it } from 'vitest';
import { labObjects, uid } from './objects.js';
import { planAddresses } from './spec.js';
import { standardSpec } from './topologies.js';

const CREATED = '2026-11-22T22:00:00Z';

describe('lab API objects', () => {
  const plan = planAddresses(standardSpec('vxlan', 'iptables'));
  const { objects } = labObjects(plan, CREATED, '6.1.0-test');
  const find = (res: string, name: string) => objects[res]?.find((o) => o.metadata?.name === name) as Record<string, any> | undefined;

  it('nodes carry podCIDR(s), InternalIP, capacity and flannel annotations', () => {
    const n = find('nodes', 'node-b');
    expect(n?.spec).toEqual({ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] });
    expect(n?.status.addresses).toContainEqual({ type: 'InternalIP', address: '172.31.250.11' });
    expect(n?.status.capacity.pods).toBe('110');
    expect(n?.metadata.annotations['flannel.alpha.coreos.com/backend-type']).toBe('vxlan');
  });

  it('pods have IP, nodeName, labels, containerPorts and Ready; system pods are hostNetwork with the node IP', () => {
    const p = find('pods', 'web-1');
    expect(p?.spec.nodeName).toBe('node-b');
    expect(p?.status.podIP).toBe('10.244.1.10');
    expect(p?.spec.containers[0].ports).toContainEqual({ name: 'http', containerPort: 8080, protocol: 'TCP' });
    expect(p?.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    const kp = objects['pods']?.filter((o) => o.metadata?.name?.startsWith('kube-proxy-')) as Record<string, any>[];
    expect(kp).toHaveLength(2);
    expect(kp.every((o) => o.spec.hostNetwork === true && o.status.podIP === o.status.hostIP)).toBe(true);
  });

  it('services and EndpointSlices agree; a service without endpoints has a slice with null endpoints', () => {
    const slices = objects['endpointslices'] as Record<string, any>[];
    const webSlice = slices.find((s) => s.metadata.labels['kubernetes.io/service-name'] === 'web');
    expect(webSlice?.endpoints.map((e: any) => [e.addresses[0], e.nodeName, e.targetRef.name])).toEqual([
      ['10.244.0.11', 'node-a', 'web-0'],
      ['10.244.1.10', 'node-b', 'web-1'],
      ['10.244.1.11', 'node-b', 'web-2'],
    ]);
    expect(webSlice?.ports).toEqual([
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'dns', port: 5353, protocol: 'UDP' },
    ]);
    const ghost = slices.find((s) => s.metadata.labels['kubernetes.io/service-name'] === 'ghost');
    expect(ghost?.endpoints).toBeNull();
    expect(find('services', 'sticky')?.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
    expect(find('services', 'web-np')?.spec.ports[0].nodePort).toBe(30080);
  });

  it('deleted pods disappear from pods and EndpointSlices', () => {
    const after = labObjects(plan, CREATED, 'k', new Set(['web-2'])).objects;
    expect(after['pods']?.some((p) => p.metadata?.name === 'web-2')).toBe(false);
    const webSlice = (after['endpointslices'] as Record<string, any>[]).find((s) => s.metadata.labels['kubernetes.io/service-name'] === 'web');
    expect(webSlice?.endpoints).toHaveLength(2);
  });

  it('the kube-proxy ConfigMap names the mode; uids are stable and unique', () => {
    expect(find('configmaps', 'kube-proxy')?.data['config.conf']).toMatch(/^mode: iptables$/m);
    expect(uid('Pod/default/a')).toBe(uid('Pod/default/a'));
    const uids = Object.values(objects).flat().map((o) => (o.metadata as { uid: string }).uid);
    expect(new Set(uids).size).toBe(uids.length);
  });
});
