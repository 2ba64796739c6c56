/**
 * The hooks, priorities and chain types of the built-in chains of the iptables tables — what iptables-nft
 * creates (and what the legacy x_tables register) for `*raw`, `*mangle`, `*nat`, `*filter`, `*security`.
 */
import { PRIORITY, type ChainType, type Hook } from '../../model/netfilter.js';

interface BuiltinChain {
  hook: Hook;
  priority: number;
  type: ChainType;
}

const HOOK: Record<string, Hook> = {
  PREROUTING: 'prerouting',
  INPUT: 'input',
  FORWARD: 'forward',
  OUTPUT: 'output',
  POSTROUTING: 'postrouting',
};

/** Per table: the built-in chains it has, and the priority/type they get. */
const TABLES: Record<string, { chains: string[]; priority: (chain: string) => number; type: (chain: string) => ChainType }> = {
  raw: { chains: ['PREROUTING', 'OUTPUT'], priority: () => PRIORITY.raw, type: () => 'filter' },
  mangle: {
    chains: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
    priority: () => PRIORITY.mangle,
    // iptables-nft registers mangle OUTPUT as a `route` chain: a changed mark re-routes the packet.
    type: (c) => (c === 'OUTPUT' ? 'route' : 'filter'),
  },
  nat: {
    chains: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
    // DNAT happens before routing (prerouting, output); SNAT after (postrouting, input).
    priority: (c) => (c === 'PREROUTING' || c === 'OUTPUT' ? PRIORITY.dstnat : PRIORITY.srcnat),
    type: () => 'nat',
  },
  filter: { chains: ['INPUT', 'FORWARD', 'OUTPUT'], priority: () => PRIORITY.filter, type: () => 'filter' },
  security: { chains: ['INPUT', 'FORWARD', 'OUTPUT'], priority: () => PRIORITY.security, type: () => 'filter' },
};

/** The names of the iptables tables. */
export const IPTABLES_TABLES: ReadonlySet<string> = new Set(Object.keys(TABLES));

/** Built-in chain names of a table, in kernel order; empty for an unknown table. */
export function builtinChains(table: string): readonly string[] {
  return Object.hasOwn(TABLES, table) ? TABLES[table]!.chains : [];
}

/** The hook/priority/type of `chain` in `table`, or undefined when it is a user chain. */
export function builtinChain(table: string, chain: string): BuiltinChain | undefined {
  // Every built-in starts with P, I, F or O; a dump declares tens of thousands of KUBE-… chains.
  const c0 = chain.charCodeAt(0);
  if (c0 !== 80 && c0 !== 73 && c0 !== 70 && c0 !== 79) return undefined;
  const t = Object.hasOwn(TABLES, table) ? TABLES[table] : undefined;
  const hook = Object.hasOwn(HOOK, chain) ? HOOK[chain] : undefined;
  if (!t || !hook || !t.chains.includes(chain)) return undefined;
  return { hook, priority: t.priority(chain), type: t.type(chain) };
}
