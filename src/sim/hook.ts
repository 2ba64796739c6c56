/**
 * One netfilter hook: every base chain of every family that sees the packet (ip + inet for IPv4,
 * iptables-nft and native nft tables alike), in priority order. Accept ends one base chain only;
 * the next one still runs. NAT chains follow nf_nat_core: they hang off one NAT hook at the fixed
 * NAT priority, run only for the first packet of a connection, and stop once one of them set up NAT.
 */
import type { Chain, Family, Hook, Table } from '../model/netfilter.js';
import type { NodeModel } from '../model/node.js';
import type { BranchCause, Step } from './trace.js';
import { viewOf, type Packet } from './packet.js';
import { ChainEntry, runBaseChain, tableLabel, type Evaluation } from './chain.js';
import { hasEffect, orderTied, tiedLabel } from './hook-order.js';
import type { Trail } from './trail.js';
import { mergeAccepted, packetKey } from './merge.js';
import { release, type Budget } from './budget.js';

/** NF_IP_PRI_CONNTRACK: chains with a lower priority see packets before conntrack has looked at them. */
const PRI_CONNTRACK = -200;
/** NF_IP_PRI_NAT_DST / NF_IP_PRI_NAT_SRC: where the NAT hook (and so every nat chain) runs. */
const NAT_PRIORITY: Partial<Record<Hook, number>> = { prerouting: -100, output: -100, input: 100, postrouting: 100 };

export interface HookRun {
  probability: number;
  packet: Packet;
  verdict: 'accept' | 'drop' | 'reject' | 'uncertain';
  reason: string;
  notes: string[];
  /** Client affinity met at this hook (Branch.affinity). */
  affinity?: string;
  steps: Step[];
  /** Why an uncertain run ended, as data. */
  cause?: BranchCause;
}

export interface HookOptions {
  /** 'ip' hooks (ip/ip6/inet tables) or the bridge family's own hooks. */
  layer: 'ip' | 'bridge';
  physOut?: string;
  nexthop?: string;
  /**
   * Only the base chains whose effective priority is in [from, below): a hook split around a kernel function that
   * sits at a priority between chains (IPVS at LOCAL_IN 99 and LOCAL_OUT -98). The NAT hook's entry-NAT step belongs
   * to the part that holds the NAT priority.
   */
  range?: { from?: number; below?: number };
  /** The trace's bound on paths (see budget.ts). */
  budget?: Budget;
  /** Tunnel outer packets' results already computed in this walk (see runHook). */
  memo?: HookMemo;
}

export type HookMemo = Map<string, HookRun[]>;

interface Scheduled {
  table: Table;
  chain: Chain;
  effective: number;
  own: number;
  order: number;
  nat: boolean;
  /** On the first chain of chains tied at one priority whose order no dump shows: the order the walk takes. */
  tie?: { group: Scheduled[]; assumed: string; flipped: boolean };
  /** The marker step's summary and detail, made once (every path that enters the chain shows them). */
  entered?: string;
  detail?: Step['detail'];
}

// Every path of a trace asks the same node for the same hook: schedule each once (a ruleset can hold 10,000s of
// chains). Keyed by the node model itself: alternativeWorld's copies order tied chains the other way.
const scheduled = new WeakMap<NodeModel, Map<string, Scheduled[]>>();

/**
 * The base chains that see a packet of this family at this hook, in the order the kernel runs them: by priority (nat
 * chains inside the NAT hook, by their own priority), then chains tied at one priority latest hooked first
 * (hook-order.ts).
 */
function chainsAt(node: NodeModel, hook: Hook, family: 4 | 6, layer: 'ip' | 'bridge'): Scheduled[] {
  let byHook = scheduled.get(node);
  if (!byHook) scheduled.set(node, (byHook = new Map()));
  const key = `${hook}|${family}|${layer}`;
  let out = byHook.get(key);
  if (!out) byHook.set(key, (out = schedule(node, hook, family, layer)));
  return out;
}

function schedule(node: NodeModel, hook: Hook, family: 4 | 6, layer: 'ip' | 'bridge'): Scheduled[] {
  const fams: Family[] = layer === 'bridge' ? ['bridge'] : family === 4 ? ['ip', 'inet'] : ['ip6', 'inet'];
  const out: Scheduled[] = [];
  let order = 0;
  for (const { table, chain } of baseChainsOf(node).get(hook) ?? []) {
    if (!fams.includes(table.family)) continue;
    const b = chain.base!;
    const nat = b.type === 'nat' && layer === 'ip';
    out.push({ table, chain, own: b.priority, effective: nat ? (NAT_PRIORITY[hook] ?? b.priority) : b.priority, order: order++, nat });
  }
  out.sort((a, b) => a.effective - b.effective || a.own - b.own || a.order - b.order);
  return orderTies(node, out);
}

// A kube-proxy ruleset holds 10,000s of regular chains and a few dozen base chains: find the base chains in one
// pass over the ruleset, grouped by hook in ruleset order, instead of one pass per hook, family and layer.
const baseChains = new WeakMap<NodeModel, Map<Hook, { table: Table; chain: Chain }[]>>();

function baseChainsOf(node: NodeModel): Map<Hook, { table: Table; chain: Chain }[]> {
  let byHook = baseChains.get(node);
  if (byHook) return byHook;
  byHook = new Map();
  for (const table of node.ruleset.tables) {
    for (const chain of table.chains) {
      const hook = chain.base?.hook;
      if (hook === undefined) continue;
      let list = byHook.get(hook);
      if (!list) byHook.set(hook, (list = []));
      list.push({ table, chain });
    }
  }
  baseChains.set(node, byHook);
  return byHook;
}

/** Reorders each run of chains at one (effective, own) priority and NAT-ness the way hook-order.ts decides. */
function orderTies(node: NodeModel, sorted: Scheduled[]): Scheduled[] {
  const out: Scheduled[] = [];
  for (let i = 0; i < sorted.length; ) {
    const first = sorted[i]!;
    let j = i + 1;
    while (j < sorted.length && sorted[j]!.effective === first.effective && sorted[j]!.own === first.own && sorted[j]!.nat === first.nat) j++;
    const tie = orderTied(node, sorted.slice(i, j));
    const group = tie.ordered.map((sc) => ({ ...sc }));
    if (tie.assumed !== undefined && group.filter((sc) => hasEffect(sc.chain)).length > 1) group[0]!.tie = { group, assumed: tie.assumed, flipped: tie.flipped };
    out.push(...group);
    i = j;
  }
  return out;
}

/**
 * Runs the hook. A tunnel's outer packet is the same for every path that crosses the tunnel between the same two
 * nodes, whatever it carries, and rules do not look inside it: with `opts.memo`, its result is computed once per
 * outer packet and handed to each path with that path's own inner packet.
 */
export function runHook(node: NodeModel, hook: Hook, pkt: Packet, opts: HookOptions): HookRun[] {
  const inner = pkt.inner;
  if (!opts.memo || !inner) return runHookOnce(node, hook, pkt, opts);
  const key = `${node.name}|${hook}|${opts.layer}|${opts.range?.from ?? ''}|${opts.range?.below ?? ''}|${opts.physOut ?? ''}|${opts.nexthop ?? ''}|${packetKey({ ...pkt, inner: undefined })}`;
  let runs = opts.memo.get(key);
  if (!runs) opts.memo.set(key, (runs = runHookOnce(node, hook, { ...pkt, inner: undefined }, opts)));
  else if (opts.budget) opts.budget.branches += runs.length - 1;
  return runs.map((r) => ({ ...r, packet: { ...r.packet, inner } }));
}

function runHookOnce(node: NodeModel, hook: Hook, pkt: Packet, opts: HookOptions): HookRun[] {
  const from = opts.range?.from ?? -Infinity;
  const below = opts.range?.below ?? Infinity;
  const chains = chainsAt(node, hook, pkt.family, opts.layer).filter((sc) => sc.effective >= from && sc.effective < below);
  const manip: 'dnat' | 'snat' = hook === 'prerouting' || hook === 'output' ? 'dnat' : 'snat';
  let runs: HookRun[] = [{ probability: 1, packet: pkt, verdict: 'accept', reason: '', notes: [], steps: [] }];
  const natDone = new WeakSet<HookRun>();
  const natPriority = opts.layer === 'ip' ? NAT_PRIORITY[hook] : undefined;
  let natPointDone = natPriority === undefined || natPriority < from || natPriority >= below;
  for (const sc of chains) {
    if (!natPointDone && sc.effective >= natPriority!) {
      runs = runs.map((r) => applyEntryNat(r, manip));
      natPointDone = true;
    }
    if (sc.tie) {
      const step = tieStep(sc.tie, hook);
      runs = runs.map((r) => (r.verdict === 'accept' ? { ...r, steps: [...r.steps, step] } : r));
    }
    const next: HookRun[] = [];
    for (const run of runs) {
      if (run.verdict !== 'accept') {
        next.push(run);
        continue;
      }
      if (sc.nat) {
        const skip = natSkipReason(run.packet, manip, natDone.has(run));
        if (skip) {
          if (!run.notes.includes(skip)) run.notes.push(skip);
          next.push(run);
          continue;
        }
      }
      const ctKnown = !((hook === 'prerouting' || hook === 'output') && sc.effective < PRI_CONNTRACK) || opts.layer === 'bridge';
      const results = runBaseChain(sc.table, sc.chain, run.packet, {
        node,
        ruleset: node.ruleset,
        table: sc.table,
        hook,
        ctKnown,
        physOut: opts.physOut,
        nexthop: opts.nexthop,
        natChain: sc.chain.base?.type === 'nat',
        budget: opts.budget,
      });
      for (const r of results) {
        const steps = [...run.steps, enterStep(sc, hook, run.packet, r.evaluated), ...r.steps];
        const merged: HookRun = {
          probability: run.probability * r.probability,
          packet: r.packet,
          verdict: r.verdict,
          reason: r.reason,
          notes: [...run.notes, ...r.notes],
          steps,
        };
        const affinity = r.affinity ?? run.affinity;
        if (affinity !== undefined) merged.affinity = affinity;
        if (r.cause) merged.cause = r.cause;
        if (natDone.has(run) || r.natApplied) natDone.add(merged);
        next.push(merged);
      }
    }
    // Runs that leave this chain with the same packet continue identically: one run from here on.
    const { merged, folded } = mergeAccepted(next, (r) => String(natDone.has(r)), `${hook}: ${tableLabel(sc.table)} ${sc.chain.name}`);
    if (opts.budget) release(opts.budget, folded);
    runs = merged;
  }
  if (!natPointDone) runs = runs.map((r) => applyEntryNat(r, manip));
  return runs;
}

/** At the NAT hook, a tracked flow gets the NAT its conntrack entry recorded (nf_nat_packet). */
function applyEntryNat(run: HookRun, manip: 'dnat' | 'snat'): HookRun {
  const t = run.packet.ctEntry?.[manip];
  if (run.verdict !== 'accept' || !t || run.packet.nat[manip]) return run;
  const before = run.packet;
  const after: Packet =
    manip === 'dnat'
      ? { ...before, daddr: t.daddr, dport: t.dport, nat: { ...before.nat, dnat: t } }
      : { ...before, saddr: t.saddr, sport: t.sport, nat: { ...before.nat, snat: t } };
  const line = before.ctEntry?.line;
  const step: Step = {
    kind: 'nat',
    summary: `${manip.toUpperCase()} from the existing conntrack entry${line ? ` (line ${line})` : ''}, not from the rules`,
    verdict: manip,
    action: manip,
    packetBefore: viewOf(before),
    packetAfter: viewOf(after),
    detail: { source: 'conntrack' },
  };
  if (line !== undefined) step.line = line;
  return { ...run, packet: after, steps: [...run.steps, step] };
}

function natSkipReason(pkt: Packet, manip: 'dnat' | 'snat', doneHere: boolean): string | undefined {
  if (pkt.ct.state === 'untracked') return 'nat chains skipped: the packet is untracked (notrack)';
  if (pkt.ctEntry) return `nat chains skipped: the flow has a conntrack entry${pkt.ctEntry.line ? ` (line ${pkt.ctEntry.line})` : ''}; NAT comes from it`;
  if (pkt.ct.state !== 'new') return `nat chains skipped: the connection is already tracked (${pkt.ct.state}); NAT comes from the conntrack entry`;
  if (doneHere) return 'later nat chains at this hook skipped: NAT is already set up for this connection';
  if (pkt.nat[manip]) return `nat chains skipped: ${manip.toUpperCase()} already set up for this connection`;
  return undefined;
}

/** Says which of the tied chains the walk runs first, and on what assumption. */
function tieStep(tie: NonNullable<Scheduled['tie']>, hook: Hook): Step {
  const order = tie.group.map(tiedLabel);
  const priority = tie.group[0]!.own;
  const taken = tie.flipped ? `the other order, against the assumption (${tie.assumed})` : `assumed: ${tie.assumed}`;
  return {
    kind: 'note',
    summary: `${hook}: ${order.join(', ')} hook at the same priority ${priority}; the kernel runs the one hooked last first and no dump shows which that was: ${order[0]} first (${taken})`,
    hook,
    priority,
    assumption: { kind: 'hook-order', hook, priority, order, basis: tie.assumed, flipped: tie.flipped },
  };
}

/** A marker step: the walk entered a base chain (the evaluated rules hang off it for `-v`). */
function enterStep(sc: Scheduled, hook: Hook, pkt: Packet, evaluated: Trail<Evaluation>): Step {
  return new ChainEntry(sc.table, evaluated, {
    summary: (sc.entered ??= `${hook}: ${tableLabel(sc.table)} ${sc.chain.name} (priority ${sc.own})`),
    chain: sc.chain.name,
    hook,
    priority: sc.own,
    packetBefore: viewOf(pkt),
    detail: (sc.detail ??= { origin: sc.table.origin, entered: true }),
  });
}
