/**
 * Every trace netx gives on the lab snapshots, step by step, against a golden file a person reviewed
 * (test/fixtures/golden/trace/). The kernel oracle (oracle.test.ts) judges each observed case's disposition,
 * endpoints, NAT and rule sequence; this file pins everything else a trace says (reasons, summaries, rules
 * evaluated, notes, findings) and the traces no kernel here can run (IPVS, a pod to every service and pod), so a
 * change to any of it is a diff to read. `npx vitest run -u test/analyze/trace/golden.test.ts` rewrites the
 * files after a deliberate change; review the diff before committing it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { traceRequest, type TraceRequest } from '../../../src/analyze/trace/index.js';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { nsName, objectsOf } from '../../../src/model/k8s.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import { REPO_ROOT } from '../../support/corpus.js';
import { traceDigest } from '../../support/trace-digest.js';
import type { Observation } from '../../lab/oracle.js';
import { predictCase } from './oracle-compare.js';

const LAB = path.join(REPO_ROOT, 'test', 'fixtures', 'lab');
const GOLDEN = path.join(REPO_ROOT, 'test', 'fixtures', 'golden', 'trace');
const load = (file: string): Snapshot => parseSnapshot(readFileSync(path.join(REPO_ROOT, file), 'utf8'), file);

/**
 * Who talks to what on a snapshot: the first pod on each node to each service port, each pod's declared ports, each
 * node's SSH port and node ports, two addresses outside the cluster and a DNS name; the first node and an outside
 * client to each service port, and the outside client to each node port of each node.
 */
function requests(snap: Snapshot): TraceRequest[] {
  const pods = objectsOf(snap, 'pods');
  const services = objectsOf(snap, 'services');
  const firstOnNode = new Map<string, string>();
  for (const p of pods) if (!p.spec?.hostNetwork && p.spec?.nodeName && !firstOnNode.has(p.spec.nodeName)) firstOnNode.set(p.spec.nodeName, nsName(p));
  const clients = [...firstOnNode.values()];
  const nodes = Object.keys(snap.nodes).sort();
  const proto = (p?: string): 'tcp' | 'udp' => (p === 'UDP' ? 'udp' : 'tcp');
  const svcDsts = services.flatMap((s) => (s.spec?.ports ?? []).map((p) => ({ dst: `svc/${nsName(s)}:${p.port}`, protocol: proto(p.protocol) })));
  const podDsts = pods.flatMap((p) =>
    (p.spec?.containers ?? []).flatMap((c) => c.ports ?? []).map((port) => ({ dst: `pod/${nsName(p)}:${port.containerPort}`, protocol: proto(port.protocol) })),
  );
  const nodePorts = services.flatMap((s) => (s.spec?.ports ?? []).flatMap((p) => (p.nodePort ? [{ port: p.nodePort, protocol: proto(p.protocol) }] : [])));
  const nodeDsts = nodes.flatMap((n) => [{ dst: `node/${n}:22`, protocol: 'tcp' as const }, ...nodePorts.map((p) => ({ dst: `node/${n}:${p.port}`, protocol: p.protocol }))]);
  const outside = [
    { dst: '8.8.8.8:53', protocol: 'udp' as const },
    { dst: '203.0.113.9:443', protocol: 'tcp' as const },
  ];
  const fromPods = clients.flatMap((src) => [...svcDsts, ...podDsts, ...nodeDsts, ...outside].map((d) => ({ src, namespace: 'default', ...d })));
  const dns = clients.slice(0, 1).map((src) => ({ src, namespace: 'default', dst: 'web', port: 80, dns: true }));
  const fromNode = nodes[0] ? svcDsts.map((d) => ({ src: `node/${nodes[0]}`, namespace: 'default', ...d })) : [];
  const fromOutside = [...svcDsts, ...nodeDsts.filter((d) => !d.dst.endsWith(':22'))].map((d) => ({ src: 'external:203.0.113.9', namespace: 'default', ...d }));
  return [...fromPods, ...dns, ...fromNode, ...fromOutside];
}

function digestOf(snap: Snapshot, req: TraceRequest): string {
  const head = `# ${req.src} -> ${req.dst} ${req.protocol ?? ''}${req.dns ? ' --dns' : ''}`;
  try {
    const traces = traceRequest(snap, req, { buildNode: buildNodeModel }).traces;
    return [head, ...traces.map(traceDigest)].join('\n');
  } catch (e) {
    const err = e as Error & { code?: string; hint?: string };
    return `${head}\nerror ${err.name} ${err.code ?? ''}: ${err.message}${err.hint ? ` (${err.hint})` : ''}`;
  }
}

const EXAMPLES = readdirSync(path.join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.snapshot.json')).sort();
const ORACLES = readdirSync(LAB).filter((f) => f.endsWith('.oracle.json')).sort();

describe('every trace on the example snapshots matches its golden file', () => {
  for (const f of EXAMPLES) {
    it(f, async () => {
      const snap = load(`examples/${f}`);
      const text = requests(snap).map((r) => digestOf(snap, r)).join('\n\n');
      await expect(`${text}\n`).toMatchFileSnapshot(path.join(GOLDEN, f.replace('.snapshot.json', '.txt')));
    });
  }
});

describe('every kernel-observed case matches its golden file', () => {
  for (const f of ORACLES) {
    it(f, async () => {
      const oracle = JSON.parse(readFileSync(path.join(LAB, f), 'utf8')) as { snapshot: string; observations: Observation[] };
      const snap = load(oracle.snapshot);
      const text = oracle.observations.map((o) => {
        const p = predictCase(snap, o);
        const body = p.trace ? traceDigest(p.trace) : [...p.branches.map((b) => `  branch ${b.probability.toFixed(6)} ${b.disposition}: ${b.reason}`), ...p.findings.map((x) => `  finding ${x.code}: ${x.message}`)].join('\n');
        return `# ${o.case.id}\n${body}`;
      });
      await expect(`${text.join('\n\n')}\n`).toMatchFileSnapshot(path.join(GOLDEN, f.replace('.oracle.json', '.oracle.txt')));
    });
  }
});
