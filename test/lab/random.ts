/**
 * Generated scenarios for the differential test: from a seed, random backend pods spread over the
 * nodes, random services (ports, targetPorts that sometimes miss, affinity, NodePorts, services
 * without endpoints) and random DROP rules in FORWARD ("policies"). Deterministic per seed.
 */
import type { Lab } from './build.js';
import type { ProbeCase } from './oracle.js';
import type { Scenario } from './scenarios.js';
import { podByName, type LabProtocol, type LabSpec, type PodSpec, type ServiceSpec } from './spec.js';
import { prng } from './kube-proxy/prng.js';

export { prng };

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const int = (rnd: () => number, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

const BACKEND_PORTS: { protocol: LabProtocol; port: number }[] = [
  { protocol: 'TCP', port: 8080 },
  { protocol: 'TCP', port: 9090 },
  { protocol: 'UDP', port: 5353 },
];

export interface RandomPlan {
  spec: LabSpec;
  /** FORWARD DROP rules: node, destination pod, protocol, port. */
  drops: { node: string; pod: string; protocol: LabProtocol; port: number }[];
}

/** The random cluster for a seed: the standard nodes' client pod plus generated backends and services. */
export function randomPlan(base: LabSpec, seed: number): RandomPlan {
  const rnd = prng(seed);
  const nodes = base.nodes.map((n) => ({ ...n, pods: n.pods.filter((p) => p.name === 'client') }));
  const apps = int(rnd, 3, 5);
  const services: ServiceSpec[] = [];
  const podsOf = new Map<string, PodSpec[]>();
  for (let k = 0; k < apps; k++) {
    const app = `app${k}`;
    // 0 replicas sometimes: a service without endpoints.
    const replicas = rnd() < 0.15 ? 0 : int(rnd, 1, 3);
    const port = pick(rnd, BACKEND_PORTS);
    const pods: PodSpec[] = [];
    for (let r = 0; r < replicas; r++) {
      const pod: PodSpec = { name: `${app}-${r}`, labels: { app }, ports: [{ name: 'p', protocol: port.protocol, port: port.port }] };
      pick(rnd, nodes).pods.push(pod);
      pods.push(pod);
    }
    podsOf.set(app, pods);
    // A targetPort that misses the containerPort sometimes (nothing listens there).
    const targetPort = rnd() < 0.2 ? port.port + 1 : port.port;
    const svcPort = port.protocol === 'UDP' ? 53 : pick(rnd, [80, 443, 8000]);
    const nodePort = port.protocol === 'TCP' && rnd() < 0.3 ? 30100 + k : undefined;
    const svc: ServiceSpec = {
      name: `svc${k}`,
      type: nodePort !== undefined ? 'NodePort' : 'ClusterIP',
      clusterIP: `10.96.1.${10 + k}`,
      selector: { app },
      ports: [{ name: 'p', protocol: port.protocol, port: svcPort, targetPort, ...(nodePort !== undefined ? { nodePort } : {}) }],
    };
    if (rnd() < 0.25) svc.sessionAffinitySeconds = 10800;
    services.push(svc);
  }
  const kube = base.services.find((s) => s.name === 'kubernetes');
  const spec: LabSpec = { ...base, name: `${base.name}-random-${seed}`, nodes, services: [...(kube ? [kube] : []), ...services] };
  const drops: RandomPlan['drops'] = [];
  const backends = [...podsOf.values()].flat();
  const nDrops = backends.length === 0 ? 0 : int(rnd, 0, 2);
  for (let d = 0; d < nDrops; d++) {
    const pod = pick(rnd, backends);
    const node = nodes.find((n) => n.pods.includes(pod))?.name ?? '';
    const p = pod.ports?.[0];
    if (p && !drops.some((x) => x.pod === pod.name)) drops.push({ node, pod: pod.name, protocol: p.protocol, port: p.port });
  }
  return { spec, drops };
}

/** A Scenario over randomPlan(seed): probes every service port from the client, NodePorts from the underlay. */
export function randomScenario(seed: number): Scenario {
  let plan: RandomPlan | undefined;
  return {
    name: `random-${seed}`,
    description: `generated services, endpoints and FORWARD DROP rules (seed ${seed})`,
    spec(base) {
      plan = randomPlan(base, seed);
      return plan.spec;
    },
    async apply(lab, state) {
      for (const d of plan?.drops ?? []) {
        const ip = podByName(lab.plan, d.pod).ip;
        const rule = ['-I', 'FORWARD', '1', '-d', `${ip}/32`, '-p', d.protocol.toLowerCase(), '--dport', String(d.port), '-j', 'DROP'];
        await lab.inNode(d.node, ['iptables', ...rule]);
        state.notes.push(`${d.node}: iptables ${rule.join(' ')}`);
      }
    },
    cases(lab: Lab): ProbeCase[] {
      const out: ProbeCase[] = [];
      for (const s of lab.spec.services.filter((x) => x.name !== 'kubernetes')) {
        for (const p of s.ports) {
          const empty = lab.plan.pods.every((pod) => pod.labels['app'] !== s.selector['app']);
          const to = { ip: s.clusterIP, port: p.port, protocol: p.protocol };
          // REJECT answers are rate-limited ICMP: fewer, paced attempts for services without endpoints.
          out.push({ id: `client-to-${s.name}`, from: 'client', to, count: empty ? 3 : 12, gapMs: empty ? 300 : 0, timeoutMs: 800 });
          if (p.nodePort !== undefined) {
            const node = lab.plan.nodes[1] ?? lab.plan.nodes[0];
            if (node) out.push({ id: `underlay-to-${s.name}-nodeport`, from: 'underlay', to: { ip: node.ip, port: p.nodePort, protocol: p.protocol }, count: 6, timeoutMs: 800 });
          }
        }
      }
      return out;
    },
  };
}
