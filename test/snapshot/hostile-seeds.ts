/**
 * The snapshots the hostile-snapshot property test edits: every bundled one (examples/ and the lab
 * fixtures), with NetworkPolicies and an Ingress added so their readers are reached too, and for each
 * the command lines that resolve on it unedited (so edits, not typos, decide what happens).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/corpus.js';
import { places, type Json, type Places } from './mutations.js';

const bundled = [
  ...readdirSync(path.join(REPO_ROOT, 'examples')).map((f) => path.join('examples', f)),
  ...readdirSync(path.join(REPO_ROOT, 'test', 'fixtures', 'lab'))
    .filter((f) => f.endsWith('.snapshot.json'))
    .map((f) => path.join('test', 'fixtures', 'lab', f)),
];

export interface Seed {
  file: string;
  doc: Json;
  places: Places;
  /** `trace` and `policy` arguments that resolve on the unedited snapshot. */
  traces: string[][];
  policies: string[][];
}

/** Rules that reach every peer and port form the policy evaluator reads. */
const POLICIES = [
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'web-ingress', namespace: 'default' },
    spec: {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            { podSelector: { matchLabels: { app: 'client' } } },
            { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['default'] }] } },
            { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } },
          ],
          ports: [{ protocol: 'TCP', port: 8080 }, { port: 'http' }, { port: 1000, endPort: 2000 }],
        },
      ],
    },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'client-egress', namespace: 'default' },
    spec: { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'UDP', port: 53 }] }, { to: [{ podSelector: {} }] }] },
  },
];

const INGRESS = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'shop', namespace: 'default' },
  spec: {
    ingressClassName: 'nginx',
    defaultBackend: { service: { name: 'web', port: { name: 'http' } } },
    rules: [{ host: 'shop.example', http: { paths: [{ path: '/cart', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
  },
};

type Obj = { metadata: { name: string; namespace?: string }; spec?: Record<string, unknown>; status?: Record<string, unknown> };

function seed(file: string): Seed {
  const doc = JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8')) as { cluster: { objects: Record<string, Obj[]> } };
  const objects = doc.cluster.objects;
  objects.networkpolicies = POLICIES as unknown as Obj[];
  objects.ingresses = [INGRESS as unknown as Obj];
  const inDefault = (list: Obj[] = []) => list.filter((o) => o.metadata.namespace === 'default');
  const pods = inDefault(objects.pods).filter((p) => p.metadata.name !== 'client' && !p.spec?.hostNetwork);
  const services = inDefault(objects.services).filter((s) => s.metadata.name !== 'kubernetes');
  const nodes = (objects.nodes ?? []).map((n) => n.metadata.name);
  const traces = [
    ...services.map((s) => ['client', `svc/${s.metadata.name}`]),
    ...services.map((s) => ['client', `${s.metadata.name}.default`]),
    ...pods.map((p) => ['client', `pod/${p.metadata.name}:8080`]),
    ...nodes.map((n) => ['client', `node/${n}:10250`]),
    ...nodes.map((n) => ['external:203.0.113.9', 'svc/web-np', '--from-node', n]),
    ['client', 'svc/web', '--dns'],
    ['client', 'ingress/shop', '--host', 'shop.example', '--path', '/cart'],
    ['client', '10.96.0.10:80'],
  ];
  const policies = [...services.map((s) => ['client', `svc/${s.metadata.name}`]), ...pods.map((p) => ['client', `${p.metadata.name}:8080`])];
  return { file, doc: doc as unknown as Json, places: places(doc as unknown as Json), traces, policies };
}

export const seeds: Seed[] = bundled.map(seed);

