/**
 * One base chain, run to its verdict: rules in order, jump/goto/return with a call stack, a user
 * chain's implicit return, the base chain's policy. Forks (random, numgen) run to completion each.
 */
import type { Chain, Rule, Table } from '../model/netfilter.js';
import type { BranchCause, EvaluatedRule, Step } from './trace.js';
import { viewOf, type Packet } from './packet.js';
import { evalRule, type RuleCtx, type RuleOutcome } from './rule.js';

export type ChainVerdict = 'accept' | 'drop' | 'reject' | 'uncertain';

export interface ChainRun {
  probability: number;
  packet: Packet;
  verdict: ChainVerdict;
  /** Why: the rule or policy that decided; for uncertain, what was not modelled. */
  reason: string;
  notes: string[];
  /** Rules that matched and acted (the story), then the verdict. */
  steps: Step[];
  /** Every rule evaluated, for `-v`. */
  evaluated: EvaluatedRule[];
  /** True when a nat statement set up NAT in this chain. */
  natApplied: boolean;
  /** Why an uncertain run ended, as data (rules the dumps could not show). */
  cause?: BranchCause;
}

interface Frame {
  chain: Chain;
  idx: number;
}

interface State {
  stack: Frame[];
  probability: number;
  packet: Packet;
  notes: string[];
  steps: Step[];
  evaluated: EvaluatedRule[];
}

/** A runaway rule walk (a jump cycle the kernel would have refused) ends uncertain, not in a hang. */
const MAX_RULE_EVALS = 2_000_000;

const chainIndex = new WeakMap<Table, Map<string, Chain>>();
export function chainByName(table: Table, name: string): Chain | undefined {
  let m = chainIndex.get(table);
  if (!m) {
    m = new Map(table.chains.map((c) => [c.name, c]));
    chainIndex.set(table, m);
  }
  return m.get(name);
}

/** `ip nat`; a legacy table says so, since an iptables-nft table of the same name may run at the same hook. */
export const tableLabel = (t: Table): string => `${t.family} ${t.name}${t.origin === 'iptables-legacy' ? ' (iptables-legacy)' : ''}`;

export function runBaseChain(table: Table, chain: Chain, pkt: Packet, ctx: RuleCtx): ChainRun[] {
  const done: ChainRun[] = [];
  const work: State[] = [{ stack: [{ chain, idx: 0 }], probability: 1, packet: pkt, notes: [], steps: [], evaluated: [] }];
  let budget = MAX_RULE_EVALS;
  while (work.length > 0) {
    const st = work.pop()!;
    for (;;) {
      if (--budget < 0) {
        done.push(finish(st, 'uncertain', `rule walk exceeded ${MAX_RULE_EVALS} evaluations in ${tableLabel(table)} ${chain.name}`));
        break;
      }
      const top = st.stack[st.stack.length - 1]!;
      const rule = top.chain.rules[top.idx];
      if (!rule) {
        // End of chain: a user chain returns to its caller; a base chain applies its policy.
        if (st.stack.length > 1) {
          st.stack.pop();
          continue;
        }
        const policy = chain.base?.policy ?? 'accept';
        st.steps.push(policyStep(table, chain, st.packet, policy));
        done.push(finish(st, policy, `${tableLabel(table)} ${chain.name} policy ${policy}`));
        break;
      }
      top.idx++;
      const outcomes = evalRule(rule, st.packet, ctx);
      const states = outcomes.map((o, i) => (i === 0 ? { o, s: st } : { o, s: clone(st) }));
      for (let i = 1; i < states.length; i++) work.push(...applyOutcome(states[i]!.s, states[i]!.o, rule, table, top.chain, done));
      const first = applyOutcome(states[0]!.s, states[0]!.o, rule, table, top.chain, done);
      if (first.length === 0) break;
    }
  }
  return done;
}

/** Applies a rule's outcome to the state; returns [state] to keep walking or [] when it ended. */
function applyOutcome(st: State, o: RuleOutcome, rule: Rule, table: Table, chain: Chain, done: ChainRun[]): State[] {
  st.probability *= o.probability;
  st.notes.push(...o.notes);
  const before = st.packet;
  st.packet = o.packet;
  const ev = (result: string): void => {
    st.evaluated.push(evaluated(table, chain, rule, result));
  };
  switch (o.kind) {
    case 'nomatch':
      ev('no match');
      return [st];
    case 'fallthrough':
      ev('match');
      // nft monitor trace reports every matched rule, also those without a verdict ("verdict continue").
      st.steps.push(ruleStep(table, chain, rule, before, o.packet, 'continue'));
      return [st];
    case 'uncertain':
      ev(`uncertain: ${o.reason}`);
      st.steps.push(ruleStep(table, chain, rule, before, o.packet, 'uncertain'));
      done.push(o.cause ? { ...finish(st, 'uncertain', `${o.reason} — at ${tableLabel(table)} ${chain.name}`), cause: o.cause } : finish(st, 'uncertain', `${o.reason} — ${ruleRef(table, chain, rule)}: ${rule.text}`));
      return [];
  }
  const t = o.terminal;
  switch (t.kind) {
    case 'accept':
    case 'drop':
    case 'reject':
    case 'queue': {
      const verdict = t.kind === 'reject' && t.with ? `reject with ${t.with}` : t.kind;
      ev(`match → ${verdict}`);
      st.steps.push(ruleStep(table, chain, rule, before, o.packet, verdict));
      if (t.kind === 'queue') done.push(finish(st, 'uncertain', `queued to user space (NFQUEUE) by ${ruleRef(table, chain, rule)}`));
      else done.push(finish(st, t.kind, `${t.kind === 'accept' ? 'accepted' : t.kind === 'drop' ? 'dropped' : 'rejected'} by ${ruleRef(table, chain, rule)}`));
      return [];
    }
    case 'nat': {
      ev(`match → ${t.summary}`);
      st.steps.push({ ...ruleStep(table, chain, rule, before, o.packet, t.summary), kind: 'nat' });
      const run = finish(st, 'accept', `${t.summary} by ${ruleRef(table, chain, rule)}`);
      run.natApplied = true;
      done.push(run);
      return [];
    }
    case 'return':
      ev('match → return');
      st.steps.push(ruleStep(table, chain, rule, before, o.packet, 'return'));
      if (st.stack.length > 1) {
        st.stack.pop();
        return [st];
      }
      return [st].map((s) => {
        // RETURN in a base chain: the policy decides.
        s.stack[0]!.idx = Number.MAX_SAFE_INTEGER;
        return s;
      });
    case 'jump':
    case 'goto': {
      const target = chainByName(table, t.target);
      ev(`match → ${t.kind} ${t.target}`);
      st.steps.push(ruleStep(table, chain, rule, before, o.packet, `${t.kind} ${t.target}`));
      if (!target) {
        done.push(finish(st, 'uncertain', `${t.kind} to chain ${t.target}, which is not in ${tableLabel(table)}`));
        return [];
      }
      if (st.stack.length > 64) {
        done.push(finish(st, 'uncertain', `jump depth over 64 at ${t.target}`));
        return [];
      }
      if (t.kind === 'goto') st.stack.pop();
      st.stack.push({ chain: target, idx: 0 });
      return [st];
    }
  }
}

/** `ip filter KUBE-SERVICES line 42 ("default/ghost:http has no endpoints")`: where a decision was made. */
export function ruleRef(table: Table, chain: Chain, rule: Rule): string {
  const at = rule.line !== undefined ? ` line ${rule.line}` : rule.handle !== undefined ? ` handle ${rule.handle}` : ` rule ${rule.index + 1}`;
  return `${tableLabel(table)} ${chain.name}${at}${rule.comment ? ` ("${rule.comment}")` : ''}`;
}

function finish(st: State, verdict: ChainVerdict, reason: string): ChainRun {
  return { probability: st.probability, packet: st.packet, verdict, reason, notes: st.notes, steps: st.steps, evaluated: st.evaluated, natApplied: false };
}

function clone(st: State): State {
  return { stack: st.stack.map((f) => ({ ...f })), probability: st.probability, packet: st.packet, notes: [...st.notes], steps: [...st.steps], evaluated: [...st.evaluated] };
}

function evaluated(table: Table, chain: Chain, rule: Rule, result: string): EvaluatedRule {
  const e: EvaluatedRule = { table: tableLabel(table), chain: chain.name, rule: rule.text, result };
  if (rule.line !== undefined) e.line = rule.line;
  if (rule.handle !== undefined) e.handle = rule.handle;
  return e;
}

function ruleStep(table: Table, chain: Chain, rule: Rule, before: Packet, after: Packet, verdict: string): Step {
  const s: Step = {
    kind: 'netfilter',
    summary: `${tableLabel(table)} ${chain.name}: ${verdict}`,
    table: tableLabel(table),
    chain: chain.name,
    rule: rule.text,
    verdict,
    packetBefore: viewOf(before),
    packetAfter: viewOf(after),
  };
  if (rule.line !== undefined) s.line = rule.line;
  if (rule.handle !== undefined) s.handle = rule.handle;
  return s;
}

function policyStep(table: Table, chain: Chain, pkt: Packet, policy: string): Step {
  return {
    kind: 'netfilter',
    summary: `${tableLabel(table)} ${chain.name}: policy ${policy}`,
    table: tableLabel(table),
    chain: chain.name,
    verdict: `policy ${policy}`,
    packetBefore: viewOf(pkt),
    packetAfter: viewOf(pkt),
  };
}
