/**
 * One rule, evaluated as nf_tables does: expressions left to right, a failed match ends the rule,
 * statements act, a verdict ends it. Random matches and numgen keys fork the evaluation; every
 * outcome carries its probability.
 */
import type { Expr, MapElement, NatStatement, Rule, VerdictStatement } from '../model/netfilter.js';
import type { Packet } from './packet.js';
import type { BranchCause } from './trace.js';
import { describeGap, gapFor } from '../model/gaps.js';
import { evalSelector, type EvalCtx } from './selector.js';
import { compare, findSet, lookupMap } from './compare.js';
import { ipsetMatches } from './ipset.js';
import { applyNat } from './nat.js';
import type { Budget } from './budget.js';

export interface RuleCtx extends EvalCtx {
  /** Next hop towards the destination (for MASQUERADE's address choice). */
  nexthop?: string;
  /** Is this a nat-type chain (nat statements are only valid there)? */
  natChain: boolean;
  /** The trace's bound on paths (one per chain run when absent). */
  budget?: Budget;
}

type Terminal =
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'reject'; with?: string }
  | { kind: 'jump' | 'goto'; target: string }
  | { kind: 'return' }
  | { kind: 'nat'; summary: NatStatement['type'] }
  | { kind: 'queue' };

interface Base {
  probability: number;
  packet: Packet;
  /** What the rule did or assumed on this branch (random odds, marks, affinity). */
  notes: string[];
  /** Client affinity met on the way (a `recent` list or an nft set that remembers clients): see Branch.affinity. */
  affinity?: string;
}

export type RuleOutcome =
  | (Base & { kind: 'nomatch' })
  | (Base & { kind: 'fallthrough' })
  | (Base & { kind: 'terminal'; terminal: Terminal })
  | (Base & { kind: 'uncertain'; reason: string; cause?: BranchCause });

export function evalRule(rule: Rule, pkt: Packet, ctx: RuleCtx): RuleOutcome[] {
  return evalFrom(rule.exprs, 0, { probability: 1, packet: pkt, notes: [] }, ctx);
}

function evalFrom(exprs: Expr[], i: number, st: Base, ctx: RuleCtx): RuleOutcome[] {
  for (; i < exprs.length; i++) {
    const e = exprs[i]!;
    const r = step(e, st, ctx);
    if (r.kind === 'next') {
      st = r.state;
      continue;
    }
    if (r.kind === 'fork') return r.alts.flatMap((a) => (a.kind === 'continue' ? evalFrom(exprs, i + 1, a.state, ctx) : [a.outcome]));
    return [r.outcome];
  }
  return [{ ...st, kind: 'fallthrough' }];
}

type StepResult =
  | { kind: 'next'; state: Base }
  | { kind: 'end'; outcome: RuleOutcome }
  | { kind: 'fork'; alts: ({ kind: 'continue'; state: Base } | { kind: 'end'; outcome: RuleOutcome })[] };

const next = (state: Base): StepResult => ({ kind: 'next', state });
const end = (outcome: RuleOutcome): StepResult => ({ kind: 'end', outcome });
const nomatch = (st: Base): StepResult => end({ ...st, kind: 'nomatch' });
const uncertain = (st: Base, reason: string): StepResult => end({ ...st, kind: 'uncertain', reason });
const terminal = (st: Base, t: Terminal): StepResult => end({ ...st, kind: 'terminal', terminal: t });
const note = (st: Base, n: string): Base => ({ ...st, notes: [...st.notes, n] });
const scale = (st: Base, p: number, n?: string): Base => ({ ...st, probability: st.probability * p, notes: n ? [...st.notes, n] : st.notes });

function step(e: Expr, st: Base, ctx: RuleCtx): StepResult {
  const pkt = st.packet;
  switch (e.kind) {
    case 'match': {
      const sel = evalSelector(e.left, pkt, ctx);
      if (sel.kind === 'unknown') return uncertain(st, `not modelled: ${sel.reason}`);
      const alts = sel.alts.map((a) => {
        const hit = compare(a.value, e.op, e.right, ctx.table);
        const s = sel.alts.length > 1 ? scale(st, a.probability, a.note ?? `numgen value ${String(a.value)} (p=${fmt(a.probability)})`) : st;
        if (hit === undefined) return { kind: 'end' as const, outcome: { ...s, kind: 'uncertain' as const, reason: 'cannot evaluate the comparison (unknown set or value form)' } };
        return hit ? { kind: 'continue' as const, state: s } : { kind: 'end' as const, outcome: { ...s, kind: 'nomatch' as const } };
      });
      return alts.length === 1 ? (alts[0]!.kind === 'continue' ? next(alts[0]!.state) : end(alts[0]!.outcome)) : { kind: 'fork', alts };
    }
    case 'random':
      // The "not matched" side names no odds: a service's chain of N random rules then adds one note, not N.
      return chance(st, e.probability, `statistic random: matched with p=${fmt(e.probability)}`, 'statistic random: an earlier random rule did not match');
    case 'nth':
      return chance(st, 1 / e.every, `statistic nth every ${e.every}: this connection's turn (1 in ${e.every})`, `statistic nth every ${e.every}: not this connection's turn`);
    case 'ipset': {
      const set = ctx.ruleset.ipsets?.find((s) => s.name === e.name);
      if (!set) {
        // A set missing from an ipset dump that was not read is unread state, not an unknown one.
        const gap = gapFor(ctx.node.gaps, 'ipsets');
        if (!gap) return uncertain(st, `ipset ${e.name} is not in the dump`);
        return end({ ...st, kind: 'uncertain', reason: `ipset ${e.name} on ${ctx.node.name} is unknown: ${describeGap(gap)}`, cause: { code: 'state-unread', node: ctx.node.name, dump: gap.dump, state: gap.state } });
      }
      const hit = ipsetMatches(set, e.dirs, pkt);
      if (hit === undefined) return uncertain(st, `ipset ${e.name} (${set.type}) members not understood`);
      return hit !== e.negate ? next(st) : nomatch(st);
    }
    case 'recent': {
      if (e.mode === 'set' || e.mode === 'remove') return next({ ...note(st, `recent --${e.mode} ${e.name}: records this source (session affinity)`), affinity: `recent ${e.name}` });
      // A trace is a first connection: the source has not been seen, so rcheck/update fail.
      const s = { ...note(st, `session affinity (recent ${e.name}): traced as a first connection; later ones from this client stick to the endpoint chosen`), affinity: `recent ${e.name}` };
      return e.negate ? next(s) : nomatch(s);
    }
    case 'always':
      return next(st);
    case 'unknown-match':
      return uncertain(st, `match not modelled: ${e.text} (${e.reason})`);
    case 'unread':
      return end({ ...st, kind: 'uncertain', reason: e.reason, cause: { code: 'state-unread', node: e.node, dump: e.dump, state: 'netfilter' } });
    case 'verdict':
      return verdict(st, e);
    case 'reject':
      return terminal(st, e.with ? { kind: 'reject', with: e.with } : { kind: 'reject' });
    case 'vmap':
      return vmap(e, st, ctx);
    case 'nat': {
      if (!ctx.natChain) return uncertain(st, `${e.type} outside a nat chain`);
      const results = applyNat(e, pkt, ctx, ctx.nexthop);
      const alts = results.map((r) => {
        if (r.kind === 'unknown') return { kind: 'end' as const, outcome: { ...st, kind: 'uncertain' as const, reason: r.reason } };
        const s: Base = { ...st, probability: st.probability * r.probability, packet: r.packet, notes: [...st.notes, ...r.notes] };
        return { kind: 'end' as const, outcome: { ...s, kind: 'terminal' as const, terminal: { kind: 'nat' as const, summary: e.type } } };
      });
      return alts.length === 1 ? end(alts[0]!.outcome) : { kind: 'fork', alts };
    }
    case 'mark': {
      if (e.target === 'meta') return next({ ...st, packet: { ...pkt, mark: ((pkt.mark & e.and) ^ e.xor) >>> 0 } });
      return next({ ...st, packet: { ...pkt, ct: { ...pkt.ct, mark: ((pkt.ct.mark & e.and) ^ e.xor) >>> 0 } } });
    }
    case 'mark-copy': {
      const from = e.from === 'meta' ? pkt.mark : pkt.ct.mark;
      const to = e.to === 'meta' ? pkt.mark : pkt.ct.mark;
      const v = ((to & ~e.mask) ^ (from & (e.fromMask ?? e.mask))) >>> 0;
      return next({ ...st, packet: e.to === 'meta' ? { ...pkt, mark: v } : { ...pkt, ct: { ...pkt.ct, mark: v } } });
    }
    case 'ct-set':
      if (e.key === 'helper') return next(st);
      return uncertain(st, `ct ${e.key} set (conntrack zones are not modelled)`);
    case 'tproxy':
      return uncertain(st, 'tproxy (hands the packet to a local socket) is not modelled');
    case 'set-update':
      return next({ ...note(st, `${e.op} @${e.set}: records this client (session affinity)`), affinity: `@${e.set}` });
    case 'notrack':
      return next({ ...st, packet: { ...pkt, ct: { ...pkt.ct, state: 'untracked' } } });
    case 'counter':
    case 'log':
    case 'nftrace':
    case 'noop':
      return next(st);
    case 'unknown-statement':
      return uncertain(st, `statement not modelled: ${e.text} (${e.reason})`);
  }
}

function chance(st: Base, p: number, yes: string, no: string): StepResult {
  if (p >= 1) return next(st);
  if (p <= 0) return nomatch(st);
  return {
    kind: 'fork',
    alts: [
      { kind: 'continue', state: scale(st, p, yes) },
      { kind: 'end', outcome: { ...scale(st, 1 - p, no), kind: 'nomatch' } },
    ],
  };
}

function verdict(st: Base, v: VerdictStatement): StepResult {
  switch (v.verdict) {
    case 'continue':
      return next(st);
    case 'accept':
      return terminal(st, { kind: 'accept' });
    case 'drop':
      return terminal(st, { kind: 'drop' });
    case 'return':
      return terminal(st, { kind: 'return' });
    case 'jump':
    case 'goto':
      if (!v.target) return uncertain(st, `${v.verdict} without a target`);
      return terminal(st, { kind: v.verdict, target: v.target });
    case 'queue':
      return terminal(st, { kind: 'queue' });
  }
}

function vmap(e: Extract<Expr, { kind: 'vmap' }>, st: Base, ctx: RuleCtx): StepResult {
  const key = evalSelector(e.key, st.packet, ctx);
  if (key.kind === 'unknown') return uncertain(st, `not modelled: ${key.reason}`);
  const elements = e.map.kind === 'inline' ? e.map.elements : (findSet(ctx.table, e.map.name)?.elements as MapElement[] | undefined);
  if (!elements) return uncertain(st, `verdict map @${e.map.kind === 'ref' ? e.map.name : ''} is not in the dump`);
  const alts = key.alts.map((a) => {
    const s = key.alts.length > 1 ? scale(st, a.probability, a.note ?? `numgen → ${String(a.value)} (p=${fmt(a.probability)})`) : st;
    if (a.value === null) return { kind: 'end' as const, outcome: { ...s, kind: 'nomatch' as const } };
    const { element, unsure } = lookupMap(a.value, elements, ctx.table);
    if (!element) {
      if (unsure) return { kind: 'end' as const, outcome: { ...s, kind: 'uncertain' as const, reason: 'verdict map lookup: an element could not be compared' } };
      // No element: nft_lookup breaks the rule, evaluation goes on with the next rule.
      return { kind: 'end' as const, outcome: { ...s, kind: 'nomatch' as const } };
    }
    const v = element.value;
    if (!('kind' in v) || v.kind !== 'verdict') return { kind: 'end' as const, outcome: { ...s, kind: 'uncertain' as const, reason: 'verdict map element is not a verdict' } };
    const s2 = element.comment ? note(s, `map element: ${element.comment}`) : s;
    const r = verdict(s2, v);
    return r.kind === 'next' ? { kind: 'continue' as const, state: r.state } : { kind: 'end' as const, outcome: (r as { outcome: RuleOutcome }).outcome };
  });
  return alts.length === 1 ? (alts[0]!.kind === 'continue' ? next(alts[0]!.state) : end(alts[0]!.outcome)) : { kind: 'fork', alts };
}

function fmt(p: number): string {
  return Number(p.toFixed(4)).toString();
}
