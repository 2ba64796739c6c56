/**
 * A big synthetic cluster as a Snapshot, for the cidr bench: `nodes` nodes with a /24 each out of
 * 10.0.0.0/8 (pod CIDR 10.0.0.0/8, service CIDR 172.20.0.0/16), `pods` pods spread evenly, full
 * objects shaped like real Deployment pods (metadata with managedFields, a container with probes and
 * env, the projected service-account volume, status with conditions). Deterministic: same input,
 * same snapshot.
 */

const ip4 = (n) => `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
const NODE_NET = (192 << 24) | (168 << 16); // 192.168.0.0/16 node addresses
const POD_NET = 10 << 24; // 10.0.0.0/8, a /24 per node
const SVC_NET = (172 << 24) | (20 << 16); // 172.20.0.0/16
const TS = '2026-11-01T10:00:00Z';

export function nodeName(i) {
  return `node-${String(i).padStart(5, '0')}`;
}

function node(i) {
  const podCIDR = `${ip4(POD_NET + i * 256)}/24`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: nodeName(i),
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(100000 + i),
      creationTimestamp: TS,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': nodeName(i),
        'kubernetes.io/os': 'linux',
        'topology.kubernetes.io/zone': `zone-${i % 3}`,
        'node.kubernetes.io/instance-type': 'm5.2xlarge',
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: { podCIDR, podCIDRs: [podCIDR], providerID: `aws:///zone-${i % 3}/i-${i.toString(16).padStart(17, '0')}` },
    status: {
      addresses: [
        { type: 'InternalIP', address: ip4(NODE_NET + 10 + i) },
        { type: 'Hostname', address: nodeName(i) },
      ],
      capacity: { cpu: '8', 'ephemeral-storage': '104845292Ki', memory: '32386544Ki', pods: '110' },
      allocatable: { cpu: '7910m', 'ephemeral-storage': '95551679124', memory: '31369712Ki', pods: '110' },
      conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({
        type,
        status: type === 'Ready' ? 'True' : 'False',
        lastHeartbeatTime: TS,
        lastTransitionTime: TS,
        reason: type === 'Ready' ? 'KubeletReady' : `KubeletHasNo${type}`,
        message: type === 'Ready' ? 'kubelet is posting ready status' : `kubelet has no ${type}`,
      })),
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: `boot-${i}`,
        containerRuntimeVersion: 'containerd://1.7.22',
        kernelVersion: '6.1.0-27-amd64',
        kubeProxyVersion: 'v1.33.1',
        kubeletVersion: 'v1.33.1',
        machineID: `machine-${i}`,
        operatingSystem: 'linux',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        systemUUID: `uuid-${i}`,
      },
      images: Array.from({ length: 8 }, (_, k) => ({ names: [`registry.example.com/team/app-${k}@sha256:${'ab'.repeat(32)}`, `registry.example.com/team/app-${k}:v1.${k}`], sizeBytes: 50000000 + k })),
    },
  };
}

function pod(i, nodes) {
  const n = i % nodes;
  const slot = Math.floor(i / nodes); // 0-based index of this pod on its node
  const ns = `team-${i % 40}`;
  const app = `app-${i % 500}`;
  const ip = ip4(POD_NET + n * 256 + 2 + slot);
  const name = `${app}-7c9d8f6b5-${i.toString(36).padStart(5, '0')}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      generateName: `${app}-7c9d8f6b5-`,
      namespace: ns,
      uid: `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(500000 + i),
      creationTimestamp: TS,
      labels: { app, 'pod-template-hash': '7c9d8f6b5', tier: i % 2 ? 'web' : 'worker' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': TS },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-7c9d8f6b5`, uid: 'rs-uid', controller: true, blockOwnerDeletion: true }],
      managedFields: [
        { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: TS, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} }, 'f:ownerReferences': { '.': {} } }, 'f:spec': { 'f:containers': {}, 'f:dnsPolicy': {}, 'f:restartPolicy': {} } } },
        { manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time: TS, subresource: 'status', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:conditions': {}, 'f:containerStatuses': {}, 'f:hostIP': {}, 'f:phase': {}, 'f:podIP': {}, 'f:podIPs': {}, 'f:startTime': {} } } },
      ],
    },
    spec: {
      nodeName: nodeName(n),
      containers: [
        {
          name: 'app',
          image: `registry.example.com/team/${app}:v1.2.3`,
          imagePullPolicy: 'IfNotPresent',
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          env: [
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
          ],
          resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
          volumeMounts: [{ name: 'kube-api-access-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: 'default',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
        { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
      ],
      volumes: [
        {
          name: 'kube-api-access-x7k2p',
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
      ],
    },
    status: {
      phase: 'Running',
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: TS })),
      hostIP: ip4(NODE_NET + 10 + n),
      hostIPs: [{ ip: ip4(NODE_NET + 10 + n) }],
      podIP: ip,
      podIPs: [{ ip }],
      startTime: TS,
      qosClass: 'Burstable',
      containerStatuses: [
        { name: 'app', ready: true, started: true, restartCount: 0, image: `registry.example.com/team/${app}:v1.2.3`, imageID: `registry.example.com/team/${app}@sha256:${'cd'.repeat(32)}`, containerID: `containerd://${'ef'.repeat(32)}`, state: { running: { startedAt: TS } }, lastState: {} },
      ],
    },
  };
}

function service(i) {
  const ip = i === 0 ? ip4(SVC_NET + 1) : ip4(SVC_NET + 10 + i);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: i === 0 ? { name: 'kubernetes', namespace: 'default' } : { name: `svc-${i}`, namespace: `team-${i % 40}`, uid: `svc-uid-${i}` },
    spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: `app-${i % 500}` }, sessionAffinity: 'None' },
    status: { loadBalancer: {} },
  };
}

function mirrorPod(component, flags) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${component}-cp-0`, namespace: 'kube-system', labels: { component, tier: 'control-plane' }, annotations: { 'kubernetes.io/config.mirror': 'x' } },
    spec: { nodeName: 'cp-0', hostNetwork: true, containers: [{ name: component, image: `registry.k8s.io/${component}:v1.33.1`, command: [component, ...flags] }] },
    status: { phase: 'Running', podIP: '192.168.0.5', podIPs: [{ ip: '192.168.0.5' }], hostIP: '192.168.0.5' },
  };
}

/**
 * A pod as a live `cidr` run holds it (src/cluster/table.ts on an includeObject=None Table, listed
 * per namespace): namespace and name, node, phase, primary IP.
 */
function tablePod(full) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: full.metadata.namespace, name: full.metadata.name },
    spec: { nodeName: full.spec.nodeName },
    status: { phase: full.status.phase, podIP: full.status.podIP, podIPs: [{ ip: full.status.podIP }] },
  };
}

/** A node as `cidr` keeps it: the plan drops its image list and managedFields. */
function capturedNode(full) {
  const { images: _images, ...status } = full.status;
  const { managedFields: _mf, ...metadata } = full.metadata;
  return { ...full, metadata, status };
}

/**
 * The Snapshot of a `nodes`-node, `pods`-pod cluster (defaults: 5,000 and 150,000). `podShape`
 * 'full' gives API-server fixtures; 'table' gives what a live `cidr` run holds (a full-pod snapshot
 * of this size does not fit in one JavaScript string).
 */
export function generateCluster({ nodes = 5000, pods = 150000, services = 2000, podShape = 'full' } = {}) {
  return {
    kind: 'NetxSnapshot',
    version: 1,
    capturedAt: TS,
    source: { type: 'synthetic', description: `bench: ${nodes} nodes, ${pods} pods` },
    cluster: {
      serverVersion: { major: '1', minor: '33', gitVersion: 'v1.33.1' },
      ...(podShape === 'full' ? {} : { views: { pods: 'table' } }),
      objects: {
        nodes: Array.from({ length: nodes }, (_, i) => (podShape === 'full' ? node(i) : capturedNode(node(i)))),
        pods: [
          ...Array.from({ length: pods }, (_, i) => (podShape === 'full' ? pod(i, nodes) : tablePod(pod(i, nodes)))),
          mirrorPod('kube-apiserver', ['--service-cluster-ip-range=172.20.0.0/16', '--secure-port=6443']),
          mirrorPod('kube-controller-manager', ['--allocate-node-cidrs=true', '--cluster-cidr=10.0.0.0/8', '--node-cidr-mask-size=24']),
        ],
        services: Array.from({ length: services }, (_, i) => service(i)),
        servicecidrs: [{ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'kubernetes' }, spec: { cidrs: ['172.20.0.0/16'] }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }],
        configmaps: [],
        daemonsets: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'kube-flannel-ds', namespace: 'kube-flannel' }, spec: {} }],
      },
    },
    nodes: {},
  };
}
