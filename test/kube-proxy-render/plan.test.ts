import { describe, expect, it } from 'vitest';
import { planServicePorts } from '../lab/kube-proxy/plan.js';
import type { KubeProxyInput, LabEndpoint, LabService } from '../lab/kube-proxy/types.js';
import { oneService } from './one-service.js';

const input = oneService;
const ep = (ip: string, extra: Partial<LabEndpoint> = {}): LabEndpoint => ({ ip, nodeName: 'n2', ready: true, ...extra });
const only = (i: KubeProxyInput) => {
  const [plan] = planServicePorts(i);
  if (!plan) throw new Error('no plan');
  return plan;
};

describe('planServicePorts', () => {
  it('sorts endpoints by ip:port string and drops duplicates, like EndpointSliceCache', () => {
    const plan = only(input({ endpoints: [ep('10.244.0.9'), ep('10.244.0.10'), ep('10.244.0.9')] }));
    expect(plan.clusterEndpoints.map((e) => e.hostPort)).toEqual(['10.244.0.10:8080', '10.244.0.9:8080']);
  });

  it('uses per-port endpoint ports when given', () => {
    const plan = only(input({ endpoints: [ep('10.244.0.1', { ports: { http: 9090 } })] }));
    expect(plan.clusterEndpoints[0]?.hostPort).toBe('10.244.0.1:9090');
  });

  it('skips not-ready endpoints while a ready one exists', () => {
    const plan = only(input({ endpoints: [ep('10.244.0.1'), ep('10.244.0.2', { ready: false, serving: true, terminating: true })] }));
    expect(plan.clusterEndpoints.map((e) => e.ip)).toEqual(['10.244.0.1']);
  });

  it('falls back to serving+terminating endpoints when none is ready', () => {
    const plan = only(input({
      endpoints: [ep('10.244.0.1', { ready: false, serving: true, terminating: true }), ep('10.244.0.2', { ready: false })],
    }));
    expect(plan.clusterEndpoints.map((e) => e.ip)).toEqual(['10.244.0.1']);
    expect(plan.hasEndpoints).toBe(true);
  });

  it('has no endpoints when all are unready and not terminating', () => {
    const plan = only(input({ endpoints: [ep('10.244.0.1', { ready: false })] }));
    expect(plan.hasEndpoints).toBe(false);
    expect(plan.reachableEndpoints).toEqual([]);
  });

  it('externalTrafficPolicy Local: cluster endpoints for internal traffic, local ones for external', () => {
    const plan = only(input({
      type: 'NodePort', externalTrafficPolicy: 'Local',
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }],
      endpoints: [ep('10.244.0.1', { nodeName: 'n1' }), ep('10.244.1.1')],
    }));
    expect(plan.clusterEndpoints.map((e) => e.ip)).toEqual(['10.244.0.1', '10.244.1.1']);
    expect(plan.localEndpoints.map((e) => e.ip)).toEqual(['10.244.0.1']);
    expect(plan.hasExternalEndpoints).toBe(true);
  });

  it('internalTrafficPolicy Local without a local endpoint has endpoints but no internal ones', () => {
    const plan = only(input({ internalTrafficPolicy: 'Local', endpoints: [ep('10.244.1.1')] }));
    expect(plan.hasEndpoints).toBe(true);
    expect(plan.hasInternalEndpoints).toBe(false);
    expect(plan.usesClusterEndpoints).toBe(false);
  });

  it('ignores a nodePort on a ClusterIP service and skips headless services', () => {
    const i = input({ ports: [{ protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30001 }], endpoints: [ep('10.244.0.1')] });
    expect(only(i).nodePort).toBe(0);
    expect(only(i).name).toBe('ns/s');
    expect(planServicePorts({ ...i, services: [{ ...i.services[0]!, clusterIP: 'None' }] })).toEqual([]);
  });
});

// pkg/proxy/topology.go CategorizeEndpoints / topologyModeFromHints, the zone cases of topology_test.go.
describe('planServicePorts: topology-aware zone hints', () => {
  const zoned = (nodeZone: string | undefined, endpoints: LabEndpoint[], service: Partial<LabService> = {}) => {
    const i = input({ endpoints, ...service });
    return only(nodeZone === undefined ? i : { ...i, nodeZone });
  };
  const ips = (eps: { ip: string }[]) => eps.map((e) => e.ip);

  it('every ready endpoint hinted and some for this zone: only those', () => {
    const plan = zoned('zone-a', [ep('10.1.2.3', { zoneHints: ['zone-a'] }), ep('10.1.2.4', { zoneHints: ['zone-b'] }), ep('10.1.2.5', { zoneHints: ['zone-a', 'zone-c'] })]);
    expect(ips(plan.clusterEndpoints)).toEqual(['10.1.2.3', '10.1.2.5']);
    expect(ips(plan.reachableEndpoints)).toEqual(['10.1.2.3', '10.1.2.5']);
    expect(plan.hasEndpoints).toBe(true);
  });

  it('one ready endpoint without a hint, no hint for the zone, or a node without a zone: all endpoints', () => {
    const all = ['10.1.2.3', '10.1.2.4'];
    expect(ips(zoned('zone-a', [ep('10.1.2.3', { zoneHints: ['zone-a'] }), ep('10.1.2.4')]).clusterEndpoints)).toEqual(all);
    expect(ips(zoned('zone-c', [ep('10.1.2.3', { zoneHints: ['zone-a'] }), ep('10.1.2.4', { zoneHints: ['zone-b'] })]).clusterEndpoints)).toEqual(all);
    expect(ips(zoned(undefined, [ep('10.1.2.3', { zoneHints: ['zone-a'] }), ep('10.1.2.4', { zoneHints: ['zone-b'] })]).clusterEndpoints)).toEqual(all);
  });

  it('an unhinted endpoint that is not ready does not disable the hints', () => {
    const plan = zoned('zone-a', [ep('10.1.2.3', { zoneHints: ['zone-a'] }), ep('10.1.2.4', { zoneHints: ['zone-b'] }), ep('10.1.2.5', { ready: false })]);
    expect(ips(plan.clusterEndpoints)).toEqual(['10.1.2.3']);
  });

  it('internalTrafficPolicy Local ignores the hints (local endpoints only); externalTrafficPolicy Local keeps them for cluster traffic', () => {
    const eps = [ep('10.1.2.3', { zoneHints: ['zone-b'] }), ep('10.1.2.4', { nodeName: 'n1', zoneHints: ['zone-a'] }), ep('10.1.2.5', { zoneHints: ['zone-a'] })];
    expect(ips(zoned('zone-b', eps, { internalTrafficPolicy: 'Local' }).reachableEndpoints)).toEqual(['10.1.2.4']);
    const etp = zoned('zone-b', eps, { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }] });
    expect(ips(etp.clusterEndpoints)).toEqual(['10.1.2.3']);
    expect(ips(etp.localEndpoints)).toEqual(['10.1.2.4']);
    expect(ips(etp.reachableEndpoints)).toEqual(['10.1.2.3', '10.1.2.4']);
  });
});
