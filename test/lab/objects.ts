/**
 * The Kubernetes API objects that describe a lab, shaped like what a v1.33 API server returns for a
 * kubeadm cluster with flannel (host-gw/vxlan), Calico (routed) or the AWS VPC CNI (fabric: nodes without
 * podCIDRs, aws-node): nodes, pods with
 * IPs and nodeName, services, EndpointSlices, the kube-proxy ConfigMap and DaemonSet, the CNI
 * DaemonSet, kubeadm-config, the kube-apiserver static pod, the ServiceCIDR. Pure and deterministic
 * (uids derive from names; timestamps from the capture time).
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { RawObject } from '../../src/snapshot/types.js';
import { labServices, zoneOf } from './proxy.js';
import { labServices6 } from './ipv6.js';
import { CLUSTER_CIDR6, SERVICE_CIDR6, clusterCIDR, serviceCIDR, selectedPods, type AddressPlan, type NodePlan, type PodPlan, type ServiceSpec } from './spec.js';

const K8S_VERSION = 'v1.33.4';

const SERVER_VERSION = {
  major: '1',
  minor: '33',
  emulationMajor: '1',
  emulationMinor: '33',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '32',
  gitVersion: K8S_VERSION,
  gitCommit: '74cdb426e3ad1a0c4d3a1c4cb2cb38a5d2d5e3a1',
  gitTreeState: 'clean',
  buildDate: '2025-08-12T18:13:07Z',
  goVersion: 'go1.24.5',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** Deterministic RFC 4122-shaped uid from a key. */
export function uid(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The 5-character suffix generateName would add (deterministic here). */
const suffix = (key: string): string =>
  createHash('sha256').update(key).digest('base64url').replace(/[^a-z0-9]/g, '').slice(0, 5).padEnd(5, 'x');

interface Ctx {
  plan: AddressPlan;
  created: string;
  rv: { n: number };
  deletedPods: ReadonlySet<string>;
}

function meta(ctx: Ctx, kind: string, name: string, namespace: string | undefined, extra: Record<string, unknown> = {}) {
  ctx.rv.n += 1;
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    uid: uid(`${kind}/${namespace ?? ''}/${name}`),
    resourceVersion: String(1000 + ctx.rv.n * 7),
    creationTimestamp: ctx.created,
    ...extra,
  };
}

const isFlannel = (plan: AddressPlan): boolean => plan.spec.topology === 'host-gw' || plan.spec.topology === 'vxlan';
/** `fabric` is shaped like EKS: the AWS VPC CNI (aws-node), no podCIDRs. */
const isAws = (plan: AddressPlan): boolean => plan.spec.topology === 'fabric';
const AWS_NODE_IMAGE = '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.19.2-eksbuild.1';

/** Dual-stack labs list both families, IPv4 (the cluster's primary family) first. */
const both = (v4: string, v6: string | undefined): string[] => (v6 !== undefined ? [v4, v6] : [v4]);
const podCidrs = (plan: AddressPlan): string => both(clusterCIDR(plan.spec), plan.spec.ipv6 ? CLUSTER_CIDR6 : undefined).join(',');
const serviceCidrs = (plan: AddressPlan): string[] => both(serviceCIDR(plan.spec), plan.spec.ipv6 ? SERVICE_CIDR6 : undefined);

function nodeObject(ctx: Ctx, n: NodePlan, kernel: string): RawObject {
  const annotations: Record<string, string> = isFlannel(ctx.plan)
    ? {
        'flannel.alpha.coreos.com/backend-type': ctx.plan.spec.topology === 'vxlan' ? 'vxlan' : 'host-gw',
        'flannel.alpha.coreos.com/backend-data':
          ctx.plan.spec.topology === 'vxlan' ? JSON.stringify({ VNI: 1, VtepMAC: n.vtepMAC }) : 'null',
        'flannel.alpha.coreos.com/kube-subnet-manager': 'true',
        'flannel.alpha.coreos.com/public-ip': n.ip,
      }
    : isAws(ctx.plan)
      ? { 'alpha.kubernetes.io/provided-node-ip': n.ip }
      : { 'projectcalico.org/IPv4Address': `${n.ip}/24` };
  if (n.ip6 !== undefined && isFlannel(ctx.plan)) {
    annotations['flannel.alpha.coreos.com/backend-v6-data'] = 'null';
    annotations['flannel.alpha.coreos.com/public-ipv6'] = n.ip6;
  }
  annotations['node.alpha.kubernetes.io/ttl'] = '0';
  annotations['volumes.kubernetes.io/controller-managed-attach-detach'] = 'true';
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': n.name,
    'kubernetes.io/os': 'linux',
  };
  const zone = zoneOf(ctx.plan, n.name);
  if (zone !== undefined) labels['topology.kubernetes.io/zone'] = zone;
  if (n.index === 0) {
    labels['node-role.kubernetes.io/control-plane'] = '';
    labels['node.kubernetes.io/exclude-from-external-load-balancers'] = '';
  }
  const capacity = { cpu: '2', 'ephemeral-storage': '30787492Ki', memory: '8131244Ki', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta(ctx, 'Node', n.name, undefined, { labels, annotations }),
    // The VPC CNI gives pods addresses of the node's subnets: nodes get no podCIDR (EKS does not allocate them).
    spec: isAws(ctx.plan) ? {} : { podCIDR: n.podCIDR, podCIDRs: both(n.podCIDR, n.podCIDR6) },
    status: {
      addresses: [
        { type: 'InternalIP', address: n.ip },
        ...(n.ip6 !== undefined ? [{ type: 'InternalIP', address: n.ip6 }] : []),
        { type: 'Hostname', address: n.name },
      ],
      allocatable: { ...capacity, memory: '8028844Ki' },
      capacity,
      conditions: [
        ...(isAws(ctx.plan) ? [] : [cond('NetworkUnavailable', 'False', ctx.created, isFlannel(ctx.plan) ? 'FlannelIsUp' : 'CalicoIsUp')]),
        cond('MemoryPressure', 'False', ctx.created, 'KubeletHasSufficientMemory'),
        cond('DiskPressure', 'False', ctx.created, 'KubeletHasNoDiskPressure'),
        cond('PIDPressure', 'False', ctx.created, 'KubeletHasSufficientPID'),
        cond('Ready', 'True', ctx.created, 'KubeletReady'),
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: uid(`boot/${n.name}`),
        containerRuntimeVersion: 'containerd://1.7.27',
        kernelVersion: kernel,
        kubeProxyVersion: '',
        kubeletVersion: K8S_VERSION,
        machineID: uid(`machine/${n.name}`).replace(/-/g, ''),
        operatingSystem: 'linux',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        systemUUID: uid(`system/${n.name}`),
      },
    },
  };
}

function cond(type: string, status: string, at: string, reason?: string) {
  return {
    type,
    status,
    lastHeartbeatTime: at,
    lastTransitionTime: at,
    ...(reason ? { reason, message: reason } : {}),
  };
}

const podCond = (type: string, status: string, at: string) => ({ type, status, lastProbeTime: null, lastTransitionTime: at });

interface PodShape {
  name: string;
  namespace: string;
  nodeName: string;
  ip: string;
  hostIP: string;
  /** Dual-stack: the second entries of podIPs / hostIPs. */
  ip6?: string;
  hostIP6?: string;
  labels: Record<string, string>;
  ready: boolean;
  hostNetwork: boolean;
  image: string;
  ports: { name?: string; containerPort: number; protocol: string }[];
  command?: string[];
  /** Default: ClusterFirst (ClusterFirstWithHostNet for hostNetwork pods). */
  dnsPolicy?: 'Default' | 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'None';
  ownerKind?: string;
  ownerName?: string;
}

function podObject(ctx: Ctx, p: PodShape): RawObject {
  const ready = p.ready ? 'True' : 'False';
  const owner = p.ownerKind
    ? {
        ownerReferences: [
          {
            apiVersion: p.ownerKind === 'Node' ? 'v1' : 'apps/v1',
            kind: p.ownerKind,
            name: p.ownerName,
            uid: uid(`${p.ownerKind}/${p.ownerKind === 'Node' ? '' : p.namespace}/${p.ownerName}`),
            controller: true,
            ...(p.ownerKind === 'Node' ? {} : { blockOwnerDeletion: true }),
          },
        ],
      }
    : {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(ctx, 'Pod', p.name, p.namespace, { labels: p.labels, ...owner }),
    spec: {
      containers: [
        {
          name: p.command ? p.name.replace(/-[^-]+$/, '') : 'app',
          image: p.image,
          imagePullPolicy: 'IfNotPresent',
          ...(p.command ? { command: p.command } : {}),
          ...(p.ports.length > 0 ? { ports: p.ports } : {}),
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      dnsPolicy: p.dnsPolicy ?? (p.hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst'),
      enableServiceLinks: true,
      ...(p.hostNetwork ? { hostNetwork: true } : {}),
      nodeName: p.nodeName,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
    },
    status: {
      conditions: [
        podCond('PodReadyToStartContainers', 'True', ctx.created),
        podCond('Initialized', 'True', ctx.created),
        podCond('Ready', ready, ctx.created),
        podCond('ContainersReady', ready, ctx.created),
        podCond('PodScheduled', 'True', ctx.created),
      ],
      containerStatuses: [
        {
          name: p.command ? p.name.replace(/-[^-]+$/, '') : 'app',
          image: p.image,
          imageID: `${p.image.split(':')[0]}@sha256:${createHash('sha256').update(p.image).digest('hex')}`,
          containerID: `containerd://${createHash('sha256').update(`${p.namespace}/${p.name}`).digest('hex')}`,
          ready: p.ready,
          restartCount: 0,
          started: true,
          state: { running: { startedAt: ctx.created } },
        },
      ],
      hostIP: p.hostIP,
      hostIPs: both(p.hostIP, p.hostIP6).map((ip) => ({ ip })),
      phase: 'Running',
      podIP: p.ip,
      podIPs: both(p.ip, p.ip6).map((ip) => ({ ip })),
      qosClass: 'BestEffort',
      startTime: ctx.created,
    },
  };
}

const AGNHOST = 'registry.k8s.io/e2e-test-images/agnhost:2.53';
const COREDNS = 'registry.k8s.io/coredns/coredns:v1.12.0';
/** CoreDNS pods (kube-system, k8s-app=kube-dns) run with dnsPolicy Default, as kubeadm's Deployment has it. */
const isCoreDns = (p: PodPlan): boolean => p.namespace === 'kube-system' && p.labels['k8s-app'] === 'kube-dns';

function labPods(ctx: Ctx): RawObject[] {
  const { plan } = ctx;
  const nodeIP = new Map(plan.nodes.map((n) => [n.name, n.ip]));
  return plan.pods
    .filter((p) => !ctx.deletedPods.has(p.name))
    .map((p: PodPlan) =>
      podObject(ctx, {
        name: p.name,
        namespace: p.namespace,
        nodeName: p.nodeName,
        ip: p.ip,
        hostIP: nodeIP.get(p.nodeName) ?? '',
        ...(p.ip6 !== undefined ? { ip6: p.ip6, hostIP6: plan.nodes.find((n) => n.name === p.nodeName)?.ip6 ?? '' } : {}),
        labels: p.labels,
        ready: p.ready,
        hostNetwork: false,
        ...(isCoreDns(p) ? { image: COREDNS, dnsPolicy: 'Default' as const } : { image: AGNHOST }),
        ports: p.ports.map((x) => ({ ...(x.name ? { name: x.name } : {}), containerPort: x.port, protocol: x.protocol })),
      }),
    );
}

/** kube-proxy, CNI agent and control-plane pods (hostNetwork: their IP is the node IP). */
function systemPods(ctx: Ctx): RawObject[] {
  const { plan } = ctx;
  const out: RawObject[] = [];
  const cni: { ns: string; ds: string; image: string; labels: Record<string, string>; command: string[] } = isFlannel(plan)
    ? { ns: 'kube-flannel', ds: 'kube-flannel-ds', image: 'ghcr.io/flannel-io/flannel:v0.27.2', labels: { app: 'flannel', 'k8s-app': 'flannel', tier: 'node' }, command: ['/opt/bin/flanneld', '--ip-masq', '--kube-subnet-mgr'] }
    : isAws(plan)
      ? { ns: 'kube-system', ds: 'aws-node', image: AWS_NODE_IMAGE, labels: { 'app.kubernetes.io/name': 'aws-node', 'k8s-app': 'aws-node' }, command: ['/app/aws-vpc-cni'] }
      : { ns: 'kube-system', ds: 'calico-node', image: 'docker.io/calico/node:v3.30.2', labels: { 'k8s-app': 'calico-node' }, command: ['start_runit'] };
  for (const n of plan.nodes) {
    const base = { nodeName: n.name, ip: n.ip, hostIP: n.ip, ready: true, hostNetwork: true, ports: [], ...(n.ip6 !== undefined ? { ip6: n.ip6, hostIP6: n.ip6 } : {}) };
    out.push(
      podObject(ctx, {
        ...base,
        name: `kube-proxy-${suffix(`kube-proxy/${n.name}`)}`,
        namespace: 'kube-system',
        labels: { 'controller-revision-hash': '7c8c5d6b9f', 'k8s-app': 'kube-proxy', 'pod-template-generation': '1' },
        image: `registry.k8s.io/kube-proxy:${K8S_VERSION}`,
        command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'],
        ownerKind: 'DaemonSet',
        ownerName: 'kube-proxy',
      }),
      podObject(ctx, {
        ...base,
        name: `${cni.ds}-${suffix(`${cni.ds}/${n.name}`)}`,
        namespace: cni.ns,
        labels: { ...cni.labels, 'controller-revision-hash': '5d9f8c7b6', 'pod-template-generation': '1' },
        image: cni.image,
        command: cni.command,
        ownerKind: 'DaemonSet',
        ownerName: cni.ds,
      }),
    );
  }
  const cp = plan.nodes[0];
  if (cp) {
    out.push(
      podObject(ctx, {
        name: `kube-apiserver-${cp.name}`,
        namespace: 'kube-system',
        nodeName: cp.name,
        ip: cp.ip,
        hostIP: cp.ip,
        ...(cp.ip6 !== undefined ? { ip6: cp.ip6, hostIP6: cp.ip6 } : {}),
        labels: { component: 'kube-apiserver', tier: 'control-plane' },
        ready: true,
        hostNetwork: true,
        image: `registry.k8s.io/kube-apiserver:${K8S_VERSION}`,
        ports: [],
        command: [
          'kube-apiserver',
          `--advertise-address=${cp.ip}`,
          '--allow-privileged=true',
          '--authorization-mode=Node,RBAC',
          '--enable-admission-plugins=NodeRestriction',
          '--secure-port=6443',
          `--service-cluster-ip-range=${serviceCidrs(plan).join(',')}`,
        ],
        ownerKind: 'Node',
        ownerName: cp.name,
      }),
    );
  }
  return out;
}

function serviceObject(ctx: Ctx, s: ServiceSpec): RawObject {
  const ns = s.namespace ?? 'default';
  const isApi = s.name === 'kubernetes' && ns === 'default';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(ctx, 'Service', s.name, ns, isApi ? { labels: { component: 'apiserver', provider: 'kubernetes' } } : s.labels ? { labels: s.labels } : {}),
    spec: {
      ...(s.type === 'LoadBalancer' ? { allocateLoadBalancerNodePorts: true } : {}),
      clusterIP: s.clusterIP,
      clusterIPs: both(s.clusterIP, s.clusterIP6),
      ...(s.type !== 'ClusterIP' ? { externalTrafficPolicy: s.externalTrafficPolicy ?? 'Cluster' } : {}),
      ...(s.healthCheckNodePort !== undefined ? { healthCheckNodePort: s.healthCheckNodePort } : {}),
      internalTrafficPolicy: s.internalTrafficPolicy ?? 'Cluster',
      ipFamilies: s.clusterIP6 !== undefined ? ['IPv4', 'IPv6'] : ['IPv4'],
      ipFamilyPolicy: s.clusterIP6 !== undefined ? 'RequireDualStack' : 'SingleStack',
      ports: s.ports.map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
        port: p.port,
        protocol: p.protocol,
        targetPort: p.targetPort,
      })),
      ...(Object.keys(s.selector).length > 0 ? { selector: s.selector } : {}),
      sessionAffinity: s.sessionAffinitySeconds !== undefined ? 'ClientIP' : 'None',
      ...(s.sessionAffinitySeconds !== undefined
        ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: s.sessionAffinitySeconds } } }
        : {}),
      type: s.type,
    },
    // What a load-balancer controller (MetalLB, a cloud) writes once it has assigned the address.
    status: { loadBalancer: s.loadBalancerIPs?.length ? { ingress: s.loadBalancerIPs.map((ip) => ({ ip, ipMode: 'VIP' })) } : {} },
  };
}

/** One EndpointSlice per family: a dual-stack Service gets an IPv6 one (addressType IPv6) beside the IPv4 one. */
function endpointSliceObject(ctx: Ctx, s: ServiceSpec, family: 4 | 6 = 4): RawObject {
  const ns = s.namespace ?? 'default';
  const isApi = s.name === 'kubernetes' && ns === 'default';
  const name = isApi ? 'kubernetes' : `${s.name}-${suffix(`${family === 6 ? 'eps6' : 'eps'}/${ns}/${s.name}`)}`;
  const svc = (family === 6 ? labServices6 : labServices)(ctx.plan, ctx.deletedPods).find((x) => x.name === s.name && x.namespace === ns);
  const pods = new Map(selectedPods(ctx.plan, s).map((p) => [p.name, p]));
  const endpoints = (svc?.endpoints ?? []).map((e) => {
    const pod = e.pod !== undefined ? pods.get(e.pod) : undefined;
    return {
      addresses: [e.ip],
      conditions: { ready: e.ready, serving: e.serving ?? e.ready, terminating: e.terminating ?? false },
      nodeName: e.nodeName,
      ...(e.zoneHints ? { hints: { forZones: e.zoneHints.map((name) => ({ name })) } } : {}),
      ...(pod
        ? { targetRef: { kind: 'Pod', name: pod.name, namespace: pod.namespace, uid: uid(`Pod/${pod.namespace}/${pod.name}`) } }
        : {}),
    };
  });
  const ports = s.ports.map((p) => ({ name: p.name ?? '', port: p.targetPort, protocol: p.protocol }));
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta(ctx, 'EndpointSlice', name, ns, {
      ...(isApi ? {} : { generateName: `${s.name}-` }),
      labels: {
        ...(isApi ? {} : { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' }),
        'kubernetes.io/service-name': s.name,
      },
      ...(isApi
        ? {}
        : {
            ownerReferences: [
              { apiVersion: 'v1', blockOwnerDeletion: true, controller: true, kind: 'Service', name: s.name, uid: uid(`Service/${ns}/${s.name}`) },
            ],
          }),
    }),
    addressType: family === 6 ? 'IPv6' : 'IPv4',
    // The API server returns null (not []) for a slice without endpoints.
    endpoints: endpoints.length > 0 ? endpoints : null,
    ports: endpoints.length > 0 ? ports : null,
  };
}

function kubeProxyConfig(plan: AddressPlan): string {
  return stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    bindAddress: '0.0.0.0',
    clientConnection: { kubeconfig: '/var/lib/kube-proxy/kubeconfig.conf' },
    clusterCIDR: isAws(plan) ? '' : podCidrs(plan),
    conntrack: { maxPerCore: null, min: null, tcpCloseWaitTimeout: null, tcpEstablishedTimeout: null },
    detectLocalMode: '',
    healthzBindAddress: '',
    iptables: { localhostNodePorts: null, masqueradeAll: false, masqueradeBit: null, minSyncPeriod: '0s', syncPeriod: '0s' },
    ipvs: { excludeCIDRs: null, scheduler: '', strictARP: false, syncPeriod: '0s' },
    kind: 'KubeProxyConfiguration',
    metricsBindAddress: '',
    mode: plan.spec.proxyMode,
    nftables: { masqueradeAll: false, masqueradeBit: null, minSyncPeriod: '0s', syncPeriod: '0s' },
    nodePortAddresses: null,
    oomScoreAdj: null,
    portRange: '',
  });
}

function configMaps(ctx: Ctx): RawObject[] {
  const { plan } = ctx;
  const out: RawObject[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(ctx, 'ConfigMap', 'kube-proxy', 'kube-system', { labels: { app: 'kube-proxy' } }),
      data: {
        'config.conf': kubeProxyConfig(plan),
        'kubeconfig.conf': stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ cluster: { 'certificate-authority': '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', server: `https://${plan.nodes[0]?.ip ?? ''}:6443` }, name: 'default' }],
          contexts: [{ context: { cluster: 'default', namespace: 'default', user: 'default' }, name: 'default' }],
          'current-context': 'default',
          users: [{ name: 'default', user: { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' } }],
        }),
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(ctx, 'ConfigMap', 'kubeadm-config', 'kube-system'),
      data: {
        ClusterConfiguration: stringify({
          apiVersion: 'kubeadm.k8s.io/v1beta4',
          kind: 'ClusterConfiguration',
          clusterName: 'kubernetes',
          controlPlaneEndpoint: `${plan.nodes[0]?.ip ?? ''}:6443`,
          kubernetesVersion: K8S_VERSION,
          // The VPC CNI takes pod addresses from the VPC's subnets: no pod subnet of the cluster's own (kube-proxy's clusterCIDR is the VPC's, as on EKS).
          networking: { dnsDomain: 'cluster.local', ...(isAws(plan) ? {} : { podSubnet: podCidrs(plan) }), serviceSubnet: serviceCidrs(plan).join(',') },
        }),
      },
    },
  ];
  const dns = clusterDnsService(plan);
  if (dns) out.push(kubeletConfigMap(ctx, dns.clusterIP));
  if (isFlannel(plan)) {
    out.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(ctx, 'ConfigMap', 'kube-flannel-cfg', 'kube-flannel', { labels: { app: 'flannel', 'k8s-app': 'flannel', tier: 'node' } }),
      data: {
        'cni-conf.json': cniConflist(plan),
        'net-conf.json': JSON.stringify(
          { Network: clusterCIDR(plan.spec), ...(plan.spec.ipv6 ? { EnableIPv6: true, IPv6Network: CLUSTER_CIDR6 } : {}), EnableNFTables: false, Backend: { Type: plan.spec.topology === 'vxlan' ? 'vxlan' : 'host-gw' } },
          null,
          2,
        ),
      },
    });
  }
  return out;
}

/** The lab's cluster DNS Service (kube-system/kube-dns), when the spec has one. */
const clusterDnsService = (plan: AddressPlan): ServiceSpec | undefined =>
  plan.spec.services.find((s) => s.name === 'kube-dns' && s.namespace === 'kube-system');

/**
 * kubeadm's kube-system/kubelet-config ConfigMap (the KubeletConfiguration every node's kubelet
 * starts from): clusterDNS is what the kubelet writes into pods' resolv.conf. Only labs with a
 * kube-dns Service carry it, so older snapshots keep their objects.
 */
function kubeletConfigMap(ctx: Ctx, clusterDNS: string): RawObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(ctx, 'ConfigMap', 'kubelet-config', 'kube-system'),
    data: {
      kubelet: stringify({
        apiVersion: 'kubelet.config.k8s.io/v1beta1',
        kind: 'KubeletConfiguration',
        authentication: { anonymous: { enabled: false }, webhook: { enabled: true } },
        authorization: { mode: 'Webhook' },
        cgroupDriver: 'systemd',
        clusterDNS: [clusterDNS],
        clusterDomain: 'cluster.local',
        containerRuntimeEndpoint: '',
        resolvConf: '/run/systemd/resolve/resolv.conf',
        staticPodPath: '/etc/kubernetes/manifests',
      }),
    },
  };
}

interface PodTemplateExtras {
  volumes?: Record<string, unknown>[];
  volumeMounts?: Record<string, unknown>[];
  env?: Record<string, unknown>[];
}

/** kubeadm's kube-proxy DaemonSet mounts the ConfigMap at /var/lib/kube-proxy. */
const KUBE_PROXY_POD: PodTemplateExtras = {
  env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }],
  volumeMounts: [
    { mountPath: '/var/lib/kube-proxy', name: 'kube-proxy' },
    { mountPath: '/run/xtables.lock', name: 'xtables-lock' },
    { mountPath: '/lib/modules', name: 'lib-modules', readOnly: true },
  ],
  volumes: [
    { configMap: { defaultMode: 420, name: 'kube-proxy' }, name: 'kube-proxy' },
    { hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' }, name: 'xtables-lock' },
    { hostPath: { path: '/lib/modules', type: '' }, name: 'lib-modules' },
  ],
};

const FLANNEL_POD: PodTemplateExtras = {
  env: [
    { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
  ],
  volumeMounts: [
    { mountPath: '/run/flannel', name: 'run' },
    { mountPath: '/etc/kube-flannel/', name: 'flannel-cfg' },
  ],
  volumes: [
    { hostPath: { path: '/run/flannel', type: '' }, name: 'run' },
    { configMap: { defaultMode: 420, name: 'kube-flannel-cfg' }, name: 'flannel-cfg' },
    { hostPath: { path: '/etc/cni/net.d', type: '' }, name: 'cni' },
  ],
};

function daemonSet(
  ctx: Ctx,
  name: string,
  namespace: string,
  image: string,
  command: string[],
  labels: Record<string, string>,
  extras: PodTemplateExtras = {},
): RawObject {
  const n = ctx.plan.nodes.length;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta(ctx, 'DaemonSet', name, namespace, { generation: 1, labels }),
    spec: {
      revisionHistoryLimit: 10,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: name.replace(/-ds$/, ''),
              image,
              command,
              ...(extras.env ? { env: extras.env } : {}),
              securityContext: { privileged: true },
              ...(extras.volumeMounts ? { volumeMounts: extras.volumeMounts } : {}),
            },
          ],
          hostNetwork: true,
          priorityClassName: 'system-node-critical',
          tolerations: [{ operator: 'Exists' }],
          ...(extras.volumes ? { volumes: extras.volumes } : {}),
        },
      },
      updateStrategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 }, type: 'RollingUpdate' },
    },
    status: {
      currentNumberScheduled: n,
      desiredNumberScheduled: n,
      numberAvailable: n,
      numberMisscheduled: 0,
      numberReady: n,
      observedGeneration: 1,
      updatedNumberScheduled: n,
    },
  };
}

/** The CNI config file the runtime reads, and its path. */
export function cniFile(plan: AddressPlan, nodeName: string): { path: string; content: string } {
  if (isFlannel(plan)) return { path: '/etc/cni/net.d/10-flannel.conflist', content: cniConflist(plan) };
  if (isAws(plan)) return { path: '/etc/cni/net.d/10-aws.conflist', content: awsConflist() };
  return { path: '/etc/cni/net.d/10-calico.conflist', content: calicoConflist(nodeName) };
}

/** What aws-node writes (cni/real-eks-node-cat-10-aws.conflist, without the disabled IPv6 egress plugin). */
function awsConflist(): string {
  return JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: 'aws-cni',
      disableCheck: true,
      plugins: [
        { name: 'aws-cni', type: 'aws-cni', vethPrefix: 'eni', mtu: '1500', podSGEnforcingMode: 'strict', pluginLogFile: '/var/log/aws-routed-eni/plugin.log', pluginLogLevel: 'DEBUG', capabilities: { 'io.kubernetes.cri.pod-annotations': true } },
        { type: 'portmap', capabilities: { portMappings: true }, snat: true },
      ],
    },
    null,
    2,
  );
}

function cniConflist(plan: AddressPlan): string {
  void plan;
  return JSON.stringify(
    {
      name: 'cbr0',
      cniVersion: '0.3.1',
      plugins: [
        { type: 'flannel', delegate: { hairpinMode: true, isDefaultGateway: true } },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

function calicoConflist(nodeName: string): string {
  return JSON.stringify(
    {
      name: 'k8s-pod-network',
      cniVersion: '0.3.1',
      plugins: [
        {
          type: 'calico',
          log_level: 'info',
          datastore_type: 'kubernetes',
          nodename: nodeName,
          mtu: 0,
          ipam: { type: 'host-local', subnet: 'usePodCidr' },
          policy: { type: 'k8s' },
          kubernetes: { kubeconfig: '/etc/cni/net.d/calico-kubeconfig' },
        },
        { type: 'portmap', snat: true, capabilities: { portMappings: true } },
        { type: 'bandwidth', capabilities: { bandwidth: true } },
      ],
    },
    null,
    2,
  );
}

export interface LabObjects {
  objects: Record<string, RawObject[]>;
  serverVersion: Record<string, unknown>;
}

/** All API objects describing the lab at time `created` (ISO), without `deletedPods`. */
export function labObjects(plan: AddressPlan, created: string, kernel: string, deletedPods: ReadonlySet<string> = new Set()): LabObjects {
  const ctx: Ctx = { plan, created, rv: { n: 0 }, deletedPods };
  const flannel = isFlannel(plan);
  const namespaces = ['default', 'kube-node-lease', 'kube-public', 'kube-system', ...(flannel ? ['kube-flannel'] : [])];
  const objects: Record<string, RawObject[]> = {
    namespaces: namespaces.map((ns) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: meta(ctx, 'Namespace', ns, undefined, { labels: { 'kubernetes.io/metadata.name': ns } }),
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    })),
    nodes: plan.nodes.map((n) => nodeObject(ctx, n, kernel)),
    pods: [...labPods(ctx), ...systemPods(ctx)],
    services: plan.spec.services.map((s) => serviceObject(ctx, s)),
    endpointslices: plan.spec.services.flatMap((s) => [endpointSliceObject(ctx, s), ...(s.clusterIP6 !== undefined ? [endpointSliceObject(ctx, s, 6)] : [])]),
    // The lab has no NetworkPolicies; listed (empty) as a real collect lists them, so a trace knows none apply.
    networkpolicies: [],
    configmaps: configMaps(ctx),
    daemonsets: [
      daemonSet(
        ctx,
        'kube-proxy',
        'kube-system',
        `registry.k8s.io/kube-proxy:${K8S_VERSION}`,
        ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'],
        { 'k8s-app': 'kube-proxy' },
        KUBE_PROXY_POD,
      ),
      flannel
        ? daemonSet(ctx, 'kube-flannel-ds', 'kube-flannel', 'ghcr.io/flannel-io/flannel:v0.27.2', ['/opt/bin/flanneld', '--ip-masq', '--kube-subnet-mgr'], { app: 'flannel', 'k8s-app': 'flannel' }, FLANNEL_POD)
        : isAws(plan)
          ? daemonSet(ctx, 'aws-node', 'kube-system', AWS_NODE_IMAGE, ['/app/aws-vpc-cni'], { 'k8s-app': 'aws-node' })
          : daemonSet(ctx, 'calico-node', 'kube-system', 'docker.io/calico/node:v3.30.2', ['start_runit'], { 'k8s-app': 'calico-node' }),
    ],
    servicecidrs: [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'ServiceCIDR',
        metadata: meta(ctx, 'ServiceCIDR', 'kubernetes', undefined, { finalizers: ['networking.k8s.io/service-cidr-finalizer'] }),
        spec: { cidrs: serviceCidrs(plan) },
        status: { conditions: [{ lastTransitionTime: created, message: 'Kubernetes Service CIDR is ready', reason: '', status: 'True', type: 'Ready' }] },
      },
    ],
  };
  if (!flannel && !isAws(plan)) {
    objects['ippools'] = [
      {
        apiVersion: 'crd.projectcalico.org/v1',
        kind: 'IPPool',
        metadata: meta(ctx, 'IPPool', 'default-ipv4-ippool', undefined, { generation: 1 }),
        spec: {
          allowedUses: ['Workload', 'Tunnel'],
          blockSize: 24,
          cidr: clusterCIDR(plan.spec),
          ipipMode: 'Never',
          natOutgoing: false,
          nodeSelector: 'all()',
          vxlanMode: 'Never',
        },
      },
    ];
  }
  return { objects, serverVersion: SERVER_VERSION };
}
