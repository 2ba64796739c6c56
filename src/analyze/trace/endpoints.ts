/** A service port's endpoints as the EndpointSlices list them (the source of truth kube-proxy follows). */
import type { Snapshot } from '../../snapshot/types.js';
import type { V1ServicePort } from './views.js';
import { objectsOf, type V1Service } from './views.js';
import { malformedError, malformedOf } from '../../snapshot/screen.js';

export interface SliceEndpoint {
  ip: string;
  port?: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  node?: string;
  pod?: string;
  slice: string;
  /** Topology-aware routing: the zones the EndpointSlice controller hints this endpoint for. */
  zones?: string[];
}

export function endpointsFor(snapshot: Snapshot, svc: V1Service, port: V1ServicePort): SliceEndpoint[] {
  const ns = svc.metadata?.namespace;
  const name = svc.metadata?.name;
  // A slice of this service that was set aside would silently lose endpoints (or all of them).
  const bad = malformedOf(snapshot, 'endpointslices', { ...(ns !== undefined ? { namespace: ns } : {}) }).find((m) => m.labels?.['kubernetes.io/service-name'] === name);
  if (bad) throw malformedError(bad, `an EndpointSlice of service ${ns}/${name}`);
  const out: SliceEndpoint[] = [];
  for (const s of objectsOf(snapshot, 'endpointslices')) {
    if (s.metadata?.namespace !== ns || s.metadata?.labels?.['kubernetes.io/service-name'] !== name) continue;
    const sp = (s.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
    if (!sp) continue;
    for (const e of s.endpoints ?? []) {
      for (const ip of e.addresses ?? []) {
        const c = e.conditions ?? {};
        const ep: SliceEndpoint = {
          ip,
          ready: c.ready !== false,
          serving: c.serving ?? c.ready !== false,
          terminating: c.terminating === true,
          slice: s.metadata?.name ?? '',
        };
        if (sp.port !== undefined) ep.port = sp.port;
        if (e.nodeName) ep.node = e.nodeName;
        if (e.targetRef?.kind === 'Pod') ep.pod = `${e.targetRef.namespace ?? ns}/${e.targetRef.name}`;
        const zones = (e.hints?.forZones ?? []).map((z) => z.name).filter((z): z is string => !!z);
        if (zones.length) ep.zones = zones;
        out.push(ep);
      }
    }
  }
  return out;
}
