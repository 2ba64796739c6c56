/**
 * Is anything enforcing NetworkPolicy? From the snapshot only: the CNI/policy DaemonSets (any
 * namespace), and each node's netfilter dumps (chains and nft tables each engine creates). A policy
 * verdict means little when nothing enforces it (flannel alone), and "no policy" does not mean "no
 * drop" when an engine's own chains (e.g. Calico GlobalNetworkPolicy) are on the node.
 */
import type { Snapshot } from '../../snapshot/types.js';
import { has, objectsOf, type V1DaemonSet } from '../../model/k8s.js';
import type { Ruleset } from '../../model/netfilter.js';
import { buildNodeModel } from '../../parse/node/build-node.js';
import { describeGap } from '../../model/gaps.js';
import { ENFORCING, NODE_SIGNATURES, engineOfDaemonSet, type DaemonSetView, type Engine } from './engines.js';

interface EngineEvidence {
  engine: Engine;
  /** Whether this evidence shows the engine enforcing NetworkPolicy. */
  enforces: boolean;
  source: 'daemonset' | 'node';
  node?: string;
  evidence: string;
}

/** Per node: the chains (or tables) where an engine filters per policy or per workload. */
interface NodePolicyChains {
  node: string;
  engine: Engine;
  chains: string[];
}

export interface Enforcement {
  /** `enforcing`: some engine enforces; `not-enforcing`: engines seen, none enforces; `unknown`: no evidence either way. */
  kind: 'enforcing' | 'not-enforcing' | 'unknown';
  /** Engines that enforce, by name. */
  engines: Engine[];
  evidence: EngineEvidence[];
  policyChains: NodePolicyChains[];
  /** Engines that filter outside netfilter (their drops are invisible in the dumps), with why. */
  invisible: string[];
  /** What could not be read. */
  gaps: string[];
  summary: string;
}

/**
 * `rulesets`: the nodes' netfilter already read (trace builds node models anyway); a node it does not cover gets its
 * node model built here.
 */
export function detectEnforcement(snapshot: Snapshot, rulesets?: ReadonlyMap<string, Ruleset>): Enforcement {
  const evidence: EngineEvidence[] = [];
  const gaps: string[] = [];
  if (!has(snapshot, 'daemonsets')) gaps.push('DaemonSets were not collected');
  for (const ds of objectsOf(snapshot, 'daemonsets')) {
    for (const f of engineOfDaemonSet(dsView(ds))) evidence.push({ ...f, source: 'daemonset' });
  }
  const policyChains: NodePolicyChains[] = [];
  const invisible = new Set<string>();
  for (const [node, capture] of Object.entries(snapshot.nodes).sort(([a], [b]) => a.localeCompare(b))) {
    const names = namesOf(rulesets?.get(node) ?? nodeRuleset(node, capture, gaps));
    for (const sig of NODE_SIGNATURES) {
      const tables = names.tables.filter((t) => sig.tables?.test(t.name));
      const chains = names.chains.filter((c) => sig.chains.test(c));
      if (tables.length === 0 && chains.length === 0) continue;
      const what = tables.length ? `nft table ${tables.map((t) => t.name).join(', ')}` : chainsText(sig.engine, sig.chains, chains);
      evidence.push({ engine: sig.engine, enforces: ENFORCING.has(sig.engine), source: 'node', node, evidence: `node ${node}: ${what}` });
      if (sig.elsewhere) invisible.add(sig.elsewhere);
      if (sig.policyChains) {
        const pc = [...chains, ...tables.flatMap((t) => t.chains)].filter((c) => sig.policyChains!.test(c));
        if (pc.length) policyChains.push({ node, engine: sig.engine, chains: [...new Set(pc)] });
      }
    }
  }
  const engines = [...new Set(evidence.filter((e) => e.enforces).map((e) => e.engine))];
  const kind = engines.length > 0 ? 'enforcing' : evidence.length > 0 ? 'not-enforcing' : 'unknown';
  return { kind, engines, evidence, policyChains, invisible: [...invisible], gaps, summary: summary(kind, engines, evidence) };
}

/** `7 kube-router chains (KUBE-ROUTER-…, KUBE-POD-FW-…)`: the engine, and the prefixes its signature matched. */
function chainsText(engine: Engine, signature: RegExp, chains: string[]): string {
  const prefixes = [...new Set(chains.map((c) => signature.exec(c)?.[0] ?? c))];
  return `${chains.length} ${engine} chain${chains.length === 1 ? '' : 's'} (${prefixes.map((p) => `${p}…`).join(', ')})`;
}

function summary(kind: Enforcement['kind'], engines: Engine[], evidence: EngineEvidence[]): string {
  if (kind === 'enforcing') return `enforced by ${engines.join(', ')}`;
  if (kind === 'not-enforcing') return `not enforced: only ${[...new Set(evidence.map((e) => e.engine))].join(', ')}, no NetworkPolicy engine`;
  return 'unknown: no CNI or policy engine recognised in the DaemonSets or node dumps';
}

function dsView(ds: V1DaemonSet): DaemonSetView {
  return {
    name: ds.metadata?.name ?? '',
    namespace: ds.metadata?.namespace ?? '',
    containers: [...(ds.spec?.template?.spec?.containers ?? []), ...(ds.spec?.template?.spec?.initContainers ?? [])].map((c) => ({
      name: c.name,
      ...(c.image ? { image: c.image } : {}),
      args: [...(c.command ?? []), ...(c.args ?? [])],
      env: Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!])),
    })),
  };
}

/** A chain or nft table name any engine's signature matches. */
const ANY_ENGINE_CHAIN = new RegExp(NODE_SIGNATURES.map((sig) => `(?:${sig.chains.source})`).join('|'));
const ANY_ENGINE_TABLE = new RegExp(NODE_SIGNATURES.flatMap((sig) => (sig.tables ? [`(?:${sig.tables.source})`] : [])).join('|'));

/**
 * The names that could be an engine's: chains any engine's chain signature matches, and nft tables any table signature
 * matches (with all their chains). A kube-proxy node has ~65,000 chains per 10,000 services; none of them is kept.
 */
interface NetfilterNames {
  chains: string[];
  tables: { name: string; chains: string[] }[];
}

function namesOf(rs: Ruleset): NetfilterNames {
  const chains = new Set<string>();
  const tables: NetfilterNames['tables'] = [];
  for (const t of rs.tables) addNames(t, chains, tables);
  return { chains: [...chains], tables };
}

function addNames(t: Ruleset['tables'][number], chains: Set<string>, tables: NetfilterNames['tables']): void {
  for (const c of t.chains) if (ANY_ENGINE_CHAIN.test(c.name)) chains.add(c.name);
  if (t.origin === 'nft' && ANY_ENGINE_TABLE.test(t.name)) tables.push({ name: t.name, chains: t.chains.map((c) => c.name) });
}

/**
 * The node's netfilter as the node model reads it (one reader for trace, policy and proxy-mode: backend chosen once,
 * unreadable dumps named once); what it could not read becomes a gap here.
 */
function nodeRuleset(node: string, capture: Snapshot['nodes'][string], gaps: string[]): Ruleset {
  const model = buildNodeModel(node, capture);
  for (const g of model.gaps ?? []) if (g.state === 'netfilter' && g.cause !== 'not-collected' && g.moot === undefined) gaps.push(`node ${node}: ${describeGap(g)}`);
  return model.ruleset;
}
