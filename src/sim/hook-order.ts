/**
 * Which of several base chains at one hook and priority runs first. nf_hook_entries_grow (net/netfilter/core.c)
 * puts a new hook before the first registered one whose priority is not lower, so at equal priority the chain
 * hooked LAST runs FIRST; the NAT hook keeps its chains in a list built the same way (nf_nat_register_fn →
 * nf_hook_entries_insert_raw). The lab shows it for iptables-legacy against iptables-nft tables and for nft tables
 * against each other, loaded in both orders (test/lab/hook-order.test.ts).
 *
 * What the dumps tell of the hooking order: in one nf_tables table, chains and rules take handles from one counter,
 * so of two base chains the higher handle hooked later (certain). Across tables nothing records it, so the order is
 * assumed and the walk says so (a step with an `assumption`):
 * - iptables-legacy against nf_tables (iptables-nft or native nft): the backend kubelet uses now (its
 *   KUBE-IPTABLES-HINT / KUBE-KUBELET-CANARY chains in mangle, what iptables-wrapper reads, nf_tables first) hooked
 *   last, the other backend's tables being left from before a switch; without a canary, nf_tables.
 * - nf_tables tables against each other: the newer table (higher table handle) hooked last, as when a table is made
 *   together with its base chains.
 * The alternative order (what a finding shows next to the prediction) flips every assumed comparison on the node:
 * the other backend, or the older table, hooked last.
 */
import type { Chain, Table } from '../model/netfilter.js';
import type { NodeModel } from '../model/node.js';
import type { World } from './world.js';

export interface Tied {
  table: Table;
  chain: Chain;
}

type Backend = 'nf_tables' | 'legacy';

const KUBELET_CANARIES = ['KUBE-IPTABLES-HINT', 'KUBE-KUBELET-CANARY'];
const backendOf = (t: Table): Backend => (t.origin === 'iptables-legacy' ? 'legacy' : 'nf_tables');

/** The iptables backend kubelet uses, as iptables-wrapper decides it: its canary in mangle, nf_tables checked first. */
export function backendInUse(node: NodeModel): { backend: Backend; basis: string; canary: boolean } {
  for (const backend of ['nf_tables', 'legacy'] as const) {
    const hit = node.ruleset.tables.find((t) => t.name === 'mangle' && t.origin !== 'nft' && backendOf(t) === backend && t.chains.some((c) => KUBELET_CANARIES.includes(c.name)));
    if (hit) return { backend, canary: true, basis: `kubelet uses ${backend === 'legacy' ? 'iptables-legacy' : 'iptables-nft'} (its canary chains are in that mangle table), so that backend hooked last and the other one's tables are older` };
  }
  return { backend: 'nf_tables', canary: false, basis: 'no kubelet canary chain in either backend: nf_tables taken to have hooked last' };
}

/** Nodes whose assumed cross-table orders are flipped: copies made by alternativeWorld, never the caller's models. */
const FLIPPED = new WeakSet<NodeModel>();

/**
 * The same world with the assumed order flipped on `nodes` (the walker's hooks read the flag from the node model,
 * since every hook call passes the node and nothing else of the world).
 */
export function alternativeWorld(world: World, nodes: Iterable<string>): World {
  const models = new Map(world.nodes);
  for (const name of nodes) {
    const m = models.get(name);
    if (!m) continue;
    const copy: NodeModel = { ...m };
    FLIPPED.add(copy);
    models.set(name, copy);
  }
  return { ...world, nodes: models };
}

/** `ip nat (iptables-legacy)`: tables of two backends share family and name. */
export const tiedLabel = (t: Tied): string => `${t.table.family} ${t.table.name}${t.table.origin !== 'nft' ? ` (${t.table.origin})` : ''} ${t.chain.name}`;

const sameTable = (a: Table, b: Table): boolean => a === b || (a.family === b.family && a.name === b.name && a.origin === b.origin);

export interface TieOrder<T> {
  ordered: T[];
  /** Why the order is taken for granted; absent when the dumps decide it (one table's chain handles). */
  assumed?: string;
  /** The alternative order (alternativeWorld): the assumption turned around. */
  flipped: boolean;
}

/** Orders chains that hook at the same place and priority, latest hooked first. */
export function orderTied<T extends Tied>(node: NodeModel, group: T[]): TieOrder<T> {
  const flip = FLIPPED.has(node);
  if (group.length < 2) return { ordered: group, flipped: flip };
  const inUse = backendInUse(node);
  const bases = new Set<string>();
  const cmp = (a: T, b: T): number => {
    if (sameTable(a.table, b.table) && a.chain.handle !== undefined && b.chain.handle !== undefined) return b.chain.handle - a.chain.handle;
    const sign = flip ? -1 : 1;
    const ba = backendOf(a.table);
    const bb = backendOf(b.table);
    if (ba !== bb) {
      bases.add(inUse.basis);
      return sign * (ba === inUse.backend ? -1 : 1);
    }
    if (a.table.handle !== undefined && b.table.handle !== undefined && a.table.handle !== b.table.handle) {
      bases.add('the newer nf_tables table (higher table handle) hooked its chains last');
      return sign * (b.table.handle - a.table.handle);
    }
    bases.add('the dumps give no order for these tables; taken in dump order');
    return 0;
  };
  const ordered = [...group].sort(cmp);
  return bases.size === 0 ? { ordered, flipped: flip } : { ordered, assumed: [...bases].join('; '), flipped: flip };
}

/** True for a chain that can change what happens to a packet: an empty chain with policy accept cannot. */
export const hasEffect = (c: Chain): boolean => c.rules.length > 0 || c.base?.policy === 'drop';
