/**
 * The shape the API server gives each object netx reads, limited to the fields some analysis reads
 * (types from k8s.io/api: core/v1, discovery/v1, networking/v1, apps/v1; formats and ranges from
 * the API server's validation, which every stored object has passed). A field added to a reader
 * belongs here too: the snapshot property test fails otherwise.
 */
import { bool, cidr, int32, ip, list, obj, port, str, stringMap, strings, type Shape } from './shape.js';

/** ObjectMeta: name is required on every stored object (generateName is resolved before storage). */
const metadata = obj(
  {
    name: str,
    namespace: str,
    uid: str,
    labels: stringMap,
    annotations: stringMap,
    creationTimestamp: str,
    deletionTimestamp: str,
    ownerReferences: list(obj({ kind: str, name: str, apiVersion: str, uid: str, controller: bool })),
    managedFields: list(obj({ time: str, manager: str, operation: str })),
  },
  ['name'],
);

/** Every object: `metadata` as above (Table and metadata-only listings keep it too). */
const object = (fields: Record<string, Shape>): Shape => obj({ metadata, ...fields }, ['metadata']);

/** A status condition (Pod, ServiceCIDR). */
const condition = obj({ type: str, status: str, lastTransitionTime: str, reason: str, message: str });

const containerPort = obj({ containerPort: port(), hostPort: port(0), name: str, protocol: str }, ['containerPort']);

const container = obj(
  {
    name: str,
    image: str,
    command: strings,
    args: strings,
    env: list(obj({ name: str, value: str }, ['name'])),
    ports: list(containerPort),
    volumeMounts: list(obj({ name: str, mountPath: str }, ['name', 'mountPath'])),
  },
  ['name'],
);

const volume = obj({ name: str, configMap: obj({ name: str, items: list(obj({ key: str, path: str }, ['key', 'path'])) }) }, ['name']);

const podSpec = obj({
  nodeName: str,
  hostNetwork: bool,
  dnsPolicy: str,
  dnsConfig: obj({ nameservers: strings, searches: strings, options: list(obj({ name: str, value: str })) }),
  containers: list(container, { unique: [['name']] }),
  initContainers: list(container, { unique: [['name']] }),
  volumes: list(volume),
});

const pod = object({
  spec: podSpec,
  status: obj({
    phase: str,
    podIP: ip,
    podIPs: list(obj({ ip }, ['ip'])),
    hostIP: ip,
    hostIPs: list(obj({ ip }, ['ip'])),
    startTime: str,
    conditions: list(condition),
    containerStatuses: list(obj({ name: str, image: str, ready: bool, restartCount: int32, state: obj({ running: obj({ startedAt: str }) }) })),
  }),
});

const servicePort = obj(
  {
    name: str,
    protocol: str,
    appProtocol: str,
    port: port(),
    targetPort: { t: 'int-or-string', min: 1, max: 65535 },
    nodePort: port(0),
  },
  ['port'],
);

const service = object({
  spec: obj({
    type: str,
    clusterIP: { t: 'string', format: 'ip-or-none' },
    clusterIPs: list({ t: 'string', format: 'ip-or-none' }),
    // Validation: (port, protocol) and names are unique; the protocol is defaulted (TCP) before it runs.
    ports: list(servicePort, { unique: [['port', 'protocol'], ['name']] }),
    selector: stringMap,
    externalIPs: list(ip),
    externalName: str,
    externalTrafficPolicy: str,
    internalTrafficPolicy: str,
    healthCheckNodePort: port(0),
    sessionAffinity: str,
    sessionAffinityConfig: obj({ clientIP: obj({ timeoutSeconds: int32 }) }),
    ipFamilies: strings,
    ipFamilyPolicy: str,
    publishNotReadyAddresses: bool,
  }),
  // Only a LoadBalancer's status is read, but an ingress entry may carry a hostname instead of an IP.
  status: obj({ loadBalancer: obj({ ingress: list(obj({ ip, hostname: str, ipMode: str })) }) }),
});

/** Addresses are IPs for IPv4/IPv6 slices and names for FQDN ones: their format is the reader's to check. */
const endpointSlice = object({
  addressType: str,
  // Validation: at most 1000 endpoints of 1–100 addresses each, and at most 100 ports.
  endpoints: list(
    obj(
      {
        addresses: list(str, { max: 100 }),
        conditions: obj({ ready: bool, serving: bool, terminating: bool }),
        hostname: str,
        nodeName: str,
        zone: str,
        targetRef: obj({ kind: str, name: str, namespace: str, uid: str }),
        hints: obj({ forZones: list(obj({ name: str }, ['name'])), forNodes: list(obj({ name: str }, ['name'])) }),
      },
      ['addresses'],
    ),
    { max: 1000 },
  ),
  ports: list(obj({ name: str, protocol: str, appProtocol: str, port: port(0) }), { max: 100 }),
});

/** Node addresses are names for Hostname/InternalDNS entries: the type is checked, the format is the reader's. */
const node = object({
  spec: obj({ podCIDR: cidr, podCIDRs: list(cidr), unschedulable: bool }),
  status: obj({
    addresses: list(obj({ type: str, address: str }, ['type', 'address'])),
    allocatable: stringMap,
    capacity: stringMap,
    nodeInfo: obj({ kubeletVersion: str, kubeProxyVersion: str, containerRuntimeVersion: str, osImage: str, kernelVersion: str }),
  }),
});

const labelSelector = obj({
  matchLabels: stringMap,
  matchExpressions: list(obj({ key: str, operator: str, values: strings }, ['key', 'operator'])),
});

const policyPeer = obj({
  podSelector: labelSelector,
  namespaceSelector: labelSelector,
  ipBlock: obj({ cidr, except: list(cidr) }, ['cidr']),
});

const policyPort = obj({ protocol: str, port: { t: 'int-or-string', min: 1, max: 65535 }, endPort: port() });

const networkPolicy = object({
  spec: obj(
    {
      podSelector: labelSelector,
      policyTypes: strings,
      ingress: list(obj({ from: list(policyPeer), ports: list(policyPort) })),
      egress: list(obj({ to: list(policyPeer), ports: list(policyPort) })),
    },
    ['podSelector'],
  ),
});

const backend = obj({
  service: obj({ name: str, port: obj({ number: port(), name: str }) }, ['name']),
  resource: obj({ kind: str, name: str, apiGroup: str }),
});

const ingress = object({
  spec: obj({
    ingressClassName: str,
    defaultBackend: backend,
    rules: list(obj({ host: str, http: obj({ paths: list(obj({ path: str, pathType: str, backend }, ['backend'])) }, ['paths']) })),
  }),
});


/** Any other resource: only what every object has (what `RawObject` promises its readers). */
export const ANY_OBJECT: Shape = object({ apiVersion: str, kind: str });

/** Plural resource → the shape of its objects, and the Kind messages name them by. */
export const OBJECT_SHAPES: Record<string, { kind: string; shape: Shape }> = {
  pods: { kind: 'Pod', shape: pod },
  services: { kind: 'Service', shape: service },
  endpointslices: { kind: 'EndpointSlice', shape: endpointSlice },
  nodes: { kind: 'Node', shape: node },
  namespaces: { kind: 'Namespace', shape: object({}) },
  networkpolicies: { kind: 'NetworkPolicy', shape: networkPolicy },
  configmaps: { kind: 'ConfigMap', shape: object({ data: stringMap, binaryData: stringMap }) },
  daemonsets: { kind: 'DaemonSet', shape: object({ spec: obj({ template: obj({ metadata: obj({ labels: stringMap, annotations: stringMap }), spec: podSpec }) }) }) },
  servicecidrs: { kind: 'ServiceCIDR', shape: object({ spec: obj({ cidrs: list(cidr) }), status: obj({ conditions: list(condition) }) }) },
  ingresses: { kind: 'Ingress', shape: ingress },
  // CRDs: the fields their published schemas (Calico, Cilium) declare, as far as netx reads them.
  ippools: { kind: 'IPPool', shape: object({ spec: obj({ cidr: str, disabled: bool }) }) },
  ciliumnodes: { kind: 'CiliumNode', shape: object({ spec: obj({ ipam: obj({ podCIDRs: strings }) }) }) },
};

