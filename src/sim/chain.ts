/**
 * One base chain, run to its verdict: rules in order, jump/goto/return with a call stack, a user chain's implicit
 * return, the base chain's policy. Forks (random, numgen) are walked in order of position (frontier.ts): forks
 * that reach the same rule with the same packet are merged there (merge.ts), so the work follows the distinct
 * outcomes, and the number of paths is bounded (budget.ts). A jump or goto into a chain already on the call path
 * is a loop and ends the path `uncertain`.
 */
import type { Chain, Rule, Table } from '../model/netfilter.js';
import type { BranchCause, EvaluatedRule, NatAction, NetfilterStep, RuleAction, RuleStep, Step } from './trace.js';
import { viewOf, type Packet, type PacketView } from './packet.js';
import { evalRule, type RuleCtx, type RuleOutcome } from './rule.js';
import { append, toArray, type Trail } from './trail.js';
import { Frontier, comparePosition, mayMeet, type Frame } from './frontier.js';
import { mergeAlike, mergedNote, packetKey } from './merge.js';
import { allow, limitReason, newBudget, release, type Budget } from './budget.js';

type ChainVerdict = 'accept' | 'drop' | 'reject' | 'uncertain';

export interface ChainRun {
  probability: number;
  packet: Packet;
  verdict: ChainVerdict;
  /** Why: the rule or policy that decided; for uncertain, what was not modelled. */
  reason: string;
  notes: string[];
  /** Client affinity met in the chain (Branch.affinity). */
  affinity?: string;
  /** Rules that matched and acted (the story), then the verdict. */
  steps: Step[];
  /** Every rule evaluated, for `-v` (shared between forks: see evaluatedRules). */
  evaluated: Trail<Evaluation>;
  /** True when a nat statement set up NAT in this chain. */
  natApplied: boolean;
  /** Why an uncertain run ended, as data (rules the dumps could not show). */
  cause?: BranchCause;
  /** Rule histories this run stands for (paths merged into it). */
  ways: number;
}

/**
 * Rules `from`..`to` of `chain` evaluated with the same result (a run of "no match" is one record), made into
 * EvaluatedRules only for a path that is shown. A record may grow while no fork shares it (`shared` unset).
 */
export interface Evaluation {
  chain: Chain;
  from: number;
  to: number;
  result: string;
  /** Rules evaluated up to and including this record (the list's length, without walking it). */
  total: number;
  shared?: boolean;
}

interface State {
  stack: Frame[];
  probability: number;
  packet: Packet;
  notes: Trail<string>;
  affinity?: string;
  steps: Trail<Step>;
  evaluated: Trail<Evaluation>;
  /** Rule histories this state stands for (forks merged into it). */
  ways: number;
  seq: number;
}

interface Walk {
  table: Table;
  base: Chain;
  ctx: RuleCtx;
  budget: Budget;
  frontier: Frontier<State>;
  done: ChainRun[];
  /** Evaluations left: a runaway walk ends uncertain, not in a hang. */
  evals: number;
  seq: number;
  /** The one branch that stands for the alternatives not followed once the path limit is reached. */
  cut?: ChainRun;
}

/** A rule walk this long is a bug or a hostile dump (loops are caught before): it ends uncertain, not in a hang. */
const MAX_RULE_EVALS = 2_000_000;

/** Deeper than any real ruleset (nf_tables allows 16 nested jumps): a guard, not a model. */
const MAX_DEPTH = 64;

const chainIndex = new WeakMap<Table, Map<string, Chain>>();
function chainByName(table: Table, name: string): Chain | undefined {
  let m = chainIndex.get(table);
  if (!m) {
    m = new Map(table.chains.map((c) => [c.name, c]));
    chainIndex.set(table, m);
  }
  return m.get(name);
}

// Every path repeats the same labels and verdicts: one string each, not one per step (a big trace holds 100,000s of steps).
const labels = new WeakMap<Table, string>();

/** `ip nat`; a legacy table says so, since an iptables-nft table of the same name may run at the same hook. */
export function tableLabel(t: Table): string {
  let l = labels.get(t);
  if (l === undefined) labels.set(t, (l = `${t.family} ${t.name}${t.origin === 'iptables-legacy' ? ' (iptables-legacy)' : ''}`));
  return l;
}

type TextKind = 'ev' | 'summary' | 'jump' | 'goto' | 'reject' | 'policy' | 'text';
const texts = new WeakMap<object, Partial<Record<TextKind, Map<string, string>>>>();
/** `make()` for (`kind`, `key`) of `owner` (a rule or chain), made once. */
function once(owner: object, kind: TextKind, key: string, make: () => string): string {
  let byKind = texts.get(owner);
  if (!byKind) texts.set(owner, (byKind = {}));
  const m = (byKind[kind] ??= new Map());
  let t = m.get(key);
  if (t === undefined) m.set(key, (t = make()));
  return t;
}

export function runBaseChain(table: Table, chain: Chain, pkt: Packet, ctx: RuleCtx): ChainRun[] {
  const w: Walk = { table, base: chain, ctx, budget: ctx.budget ?? newBudget(), frontier: new Frontier<State>(), done: [], evals: MAX_RULE_EVALS, seq: 0 };
  w.frontier.push({ stack: [{ chain, idx: 0 }], probability: 1, packet: pkt, notes: null, steps: null, evaluated: null, ways: 1, seq: w.seq++ });
  while (w.frontier.size > 0) {
    const here = w.frontier.popEarliest();
    const { merged, folded } = mergeAlike(here, stateKey, keepLikelier);
    release(w.budget, folded);
    for (const st of merged) advance(w, st);
  }
  // Accepted with the same packet (by different rules): the rest of the walk is the same for both.
  const { merged, folded } = mergeAlike(w.done, (r) => (r.verdict === 'accept' ? `${r.natApplied}|${packetKey(r.packet)}` : undefined), keepLikelier);
  release(w.budget, folded);
  for (const r of merged) if (r.ways > 1) r.notes.push(mergedNote(r.ways, `${tableLabel(table)} ${chain.name}`));
  return w.cut ? [...merged, w.cut] : merged;
}

const stateKey = (s: State): string => `${s.stack.map((f) => (f.via ?? []).map((c) => c.name).join(',')).join('/')}|${packetKey(s.packet)}`;

/** Folds `other` into `kept`: odds and ways add up; the history shown is the likelier one's. */
function keepLikelier<T extends Pick<State, 'probability' | 'ways' | 'evaluated' | 'affinity'> & { notes: unknown; steps: unknown }>(kept: T, other: T): void {
  // Affinity met on any of the merged ways is met on the path: later connections stick, whichever way the first took.
  kept.affinity ??= other.affinity;
  if (other.probability > kept.probability) {
    kept.notes = other.notes;
    kept.steps = other.steps;
    kept.evaluated = other.evaluated;
  }
  kept.probability += other.probability;
  kept.ways += other.ways;
}

/** Runs one state until it ends, forks, or another state is earlier (and may be merged into it). */
function advance(w: Walk, st: State): void {
  for (;;) {
    if (--w.evals < 0) {
      w.done.push(finish(st, 'uncertain', `rule walk exceeded ${MAX_RULE_EVALS} evaluations in ${tableLabel(w.table)} ${w.base.name}`));
      return;
    }
    const top = st.stack[st.stack.length - 1]!;
    const rule = top.chain.rules[top.idx];
    if (!rule) {
      // End of chain: a user chain returns to its caller; a base chain applies its policy.
      if (st.stack.length > 1) st.stack.pop();
      else {
        const policy = w.base.base?.policy ?? 'accept';
        st.steps = append(st.steps, policyStep(w.table, w.base, st.packet, policy));
        w.done.push(finish(st, policy, `${tableLabel(w.table)} ${w.base.name} policy ${policy}`));
        return;
      }
    } else {
      top.idx++;
      w.budget.evaluations++;
      const outcomes = evalRule(rule, st.packet, w.ctx);
      if (outcomes.length > 1) {
        fork(w, st, outcomes, rule, top.chain);
        return;
      }
      if (!apply(w, st, outcomes[0]!, rule, top.chain)) return;
    }
    const next = w.frontier.peek();
    if (next && mayMeet(st, next) && comparePosition(st, next) >= 0) {
      w.frontier.push(st);
      return;
    }
  }
}

/** A rule with several outcomes: each followed one becomes a state of its own; past the path limit, the rest are cut. */
function fork(w: Walk, st: State, outcomes: RuleOutcome[], rule: Rule, chain: Chain): void {
  const n = allow(w.budget, outcomes.length);
  if (n < outcomes.length) cut(w, st, outcomes.slice(n), rule, chain);
  const states = outcomes.slice(0, n).map((o, i) => ({ o, s: i === 0 ? st : clone(w, st) }));
  for (const { o, s } of states) if (apply(w, s, o, rule, chain)) w.frontier.push(s);
}

function cut(w: Walk, st: State, rest: RuleOutcome[], rule: Rule, chain: Chain): void {
  const p = st.probability * rest.reduce((sum, o) => sum + o.probability, 0);
  if (w.cut) {
    w.cut.probability += p;
    return;
  }
  w.budget.branches++;
  w.cut = { ...finish(st, 'uncertain', limitReason(w.budget, ruleRef(w.table, chain, rule))), probability: p, cause: { code: 'path-limit', limit: w.budget.limit } };
}

/** Applies a rule's outcome to the state; false when the state ended (its run is in `w.done`). */
const NAT_ACTIONS: readonly RuleAction[] = ['dnat', 'snat', 'masquerade', 'redirect'] satisfies NatAction[];

function apply(w: Walk, st: State, o: RuleOutcome, rule: Rule, chain: Chain): boolean {
  const { table } = w;
  st.probability *= o.probability;
  for (const n of o.notes) if (st.notes?.item !== n) st.notes = append(st.notes, n);
  if (o.affinity !== undefined) st.affinity = o.affinity;
  const before = st.packet;
  st.packet = o.packet;
  const ev = (result: string): void => {
    const last = st.evaluated?.item;
    if (last && !last.shared && last.chain === chain && last.result === result && last.to === rule.index - 1) {
      last.to = rule.index;
      last.total++;
    } else st.evaluated = append(st.evaluated, { chain, from: rule.index, to: rule.index, result, total: (last?.total ?? 0) + 1 });
  };
  const step = (verdict: string, action: RuleAction, target?: string): void => {
    const s = ruleStep(table, chain, rule, before, o.packet, verdict, action, target);
    const kind = NAT_ACTIONS.includes(action) ? 'nat' : 'netfilter';
    const { evaluated: _none, kind: _k, ...at } = s;
    st.steps = append<Step>(st.steps, kind === 'nat' ? ({ ...at, kind } satisfies RuleStep) : s);
  };
  switch (o.kind) {
    case 'nomatch':
      ev('no match');
      return true;
    case 'fallthrough':
      ev('match');
      // nft monitor trace reports every matched rule, also those without a verdict ("verdict continue").
      step('continue', 'continue');
      return true;
    case 'uncertain':
      ev(`uncertain: ${o.reason}`);
      step('uncertain', 'uncertain');
      w.done.push(o.cause ? { ...finish(st, 'uncertain', `${o.reason} — at ${tableLabel(table)} ${chain.name}`), cause: o.cause } : finish(st, 'uncertain', `${o.reason} — ${ruleRef(table, chain, rule)}: ${ruleText(rule)}`));
      return false;
  }
  const t = o.terminal;
  switch (t.kind) {
    case 'accept':
    case 'drop':
    case 'reject':
    case 'queue': {
      const verdict = t.kind === 'reject' && t.with ? once(rule, 'reject', t.with, () => `reject with ${t.with}`) : t.kind;
      ev(once(rule, 'ev', verdict, () => `match → ${verdict}`));
      step(verdict, t.kind);
      if (t.kind === 'queue') w.done.push(finish(st, 'uncertain', `queued to user space (NFQUEUE) by ${ruleRef(table, chain, rule)}`));
      else w.done.push(finish(st, t.kind, `${t.kind === 'accept' ? 'accepted' : t.kind === 'drop' ? 'dropped' : 'rejected'} by ${ruleRef(table, chain, rule)}`));
      return false;
    }
    case 'nat': {
      ev(once(rule, 'ev', t.summary, () => `match → ${t.summary}`));
      step(t.summary, t.summary);
      const run = finish(st, 'accept', `${t.summary} by ${ruleRef(table, chain, rule)}`);
      run.natApplied = true;
      w.done.push(run);
      return false;
    }
    case 'return':
      ev('match → return');
      step('return', 'return');
      // RETURN in a base chain: the policy decides.
      if (st.stack.length > 1) st.stack.pop();
      else st.stack[0]!.idx = Number.MAX_SAFE_INTEGER;
      return true;
    case 'jump':
    case 'goto': {
      const target = chainByName(table, t.target);
      const verdict = once(rule, t.kind, t.target, () => `${t.kind} ${t.target}`);
      ev(once(rule, 'ev', verdict, () => `match → ${verdict}`));
      step(verdict, t.kind, t.target);
      if (!target) {
        w.done.push(finish(st, 'uncertain', `${t.kind} to chain ${t.target}, which is not in ${tableLabel(table)}`));
        return false;
      }
      const loop = loopThrough(st.stack, target);
      if (loop) {
        const chains = [...loop, target].map((c) => c.name);
        const reason = `${t.kind} ${t.target} in ${ruleRef(table, chain, rule)} loops (${chains.join(' → ')}): the kernel refuses to load a ruleset whose jumps and gotos can loop, so this dump was edited by hand or is inconsistent`;
        w.done.push({ ...finish(st, 'uncertain', reason), cause: { code: 'jump-loop', chains } });
        return false;
      }
      if (st.stack.length > MAX_DEPTH) {
        w.done.push(finish(st, 'uncertain', `jump depth over ${MAX_DEPTH} at ${t.target}`));
        return false;
      }
      if (t.kind === 'goto') {
        const left = st.stack.pop()!;
        st.stack.push({ chain: target, idx: 0, via: [...(left.via ?? []), left.chain] });
      } else st.stack.push({ chain: target, idx: 0 });
      return true;
    }
  }
}

/**
 * The call path from the base chain to `target` when `target` is already on it (chains left by goto count: the
 * kernel's nf_tables_check_loops and x_tables' mark_source_chains follow jumps and gotos alike), else undefined.
 */
function loopThrough(stack: readonly Frame[], target: Chain): Chain[] | undefined {
  if (!stack.some((f) => f.chain === target || f.via?.includes(target))) return undefined;
  const path = stack.flatMap((f) => [...(f.via ?? []), f.chain]);
  const at = path.indexOf(target);
  return at < 0 ? undefined : path.slice(at);
}

/** Inline sets and maps longer than this are shortened where a trace shows the rule. */
const SHOWN_ELEMENTS = 8;

/**
 * The rule as a trace shows it: as the dump wrote it, except that an inline set or map of thousands of elements
 * (kube-proxy's `numgen random mod 5000 vmap { … }`) keeps its first few and says how many more the dump holds.
 */
function ruleText(rule: Rule): string {
  if (rule.text.length < 400) return rule.text;
  return once(rule, 'text', '', () =>
    rule.text.replace(/\{ ([^{}]*) \}/g, (whole, body: string) => {
      const elements = body.split(/ ?, /);
      if (elements.length <= SHOWN_ELEMENTS) return whole;
      return `{ ${elements.slice(0, 3).join(', ')}, … ${(elements.length - 3).toLocaleString('en-US')} more elements }`;
    }),
  );
}

/** `ip filter KUBE-SERVICES line 42 ("default/ghost:http has no endpoints")`: where a decision was made. */
function ruleRef(table: Table, chain: Chain, rule: Rule): string {
  const at = rule.line !== undefined ? ` line ${rule.line}` : rule.handle !== undefined ? ` handle ${rule.handle}` : ` rule ${rule.index + 1}`;
  return `${tableLabel(table)} ${chain.name}${at}${rule.comment ? ` ("${rule.comment}")` : ''}`;
}

function finish(st: State, verdict: ChainVerdict, reason: string): ChainRun {
  return { probability: st.probability, packet: st.packet, verdict, reason, notes: [...new Set(toArray(st.notes))], ...(st.affinity !== undefined ? { affinity: st.affinity } : {}), steps: toArray(st.steps), evaluated: st.evaluated, natApplied: false, ways: st.ways };
}

function clone(w: Walk, st: State): State {
  if (st.evaluated) st.evaluated.item.shared = true;
  return { ...st, stack: st.stack.map((f) => ({ ...f })), seq: w.seq++ };
}

/**
 * The marker step that opens a base chain (`detail.entered`). The rules evaluated in it are listed when `evaluated`
 * is first read (for a path that is shown: `-v`, JSON), not for each of the thousands of paths a trace may walk.
 */
export class ChainEntry implements NetfilterStep {
  readonly kind = 'netfilter' as const;
  readonly summary: string;
  readonly table: string;
  readonly chain: string;
  readonly hook: string;
  readonly priority: number;
  readonly packetBefore: PacketView;
  readonly detail: Step['detail'];
  #list: EvaluatedRule[] | undefined;
  readonly #table: Table;
  readonly #trail: Trail<Evaluation>;

  constructor(table: Table, trail: Trail<Evaluation>, s: Pick<ChainEntry, 'summary' | 'chain' | 'hook' | 'priority' | 'packetBefore' | 'detail'>) {
    this.summary = s.summary;
    this.table = tableLabel(table);
    this.chain = s.chain;
    this.hook = s.hook;
    this.priority = s.priority;
    this.packetBefore = s.packetBefore;
    this.detail = s.detail;
    this.#table = table;
    this.#trail = trail;
  }

  get evaluated(): EvaluatedRule[] {
    return (this.#list ??= evaluatedRules(this.#table, this.#trail));
  }

  /** How many rules were evaluated in the chain (before long runs are shortened for showing). */
  rulesEvaluated(): number {
    return this.#trail?.item.total ?? 0;
  }

  set evaluated(v: EvaluatedRule[]) {
    this.#list = v;
  }

  /** The step as a plain object, the rules evaluated included (JSON and YAML output read this). */
  toJSON(): Step {
    const { kind, summary, table, chain, hook, priority, packetBefore, evaluated, detail } = this;
    return { kind, summary, table, chain, hook, priority, packetBefore, evaluated, ...(detail ? { detail } : {}) };
  }
}

/** Runs of one result in one chain longer than this are shown by their ends and one entry for the rest. */
const SHOWN_RUN = 16;

/**
 * The rules a run evaluated, in order, as a trace shows them. A long run of rules in one chain with one result
 * (kube-proxy's random rules before the endpoint's own) keeps its first and last few; one entry with `skipped`
 * stands for the rest.
 */
function evaluatedRules(table: Table, trail: Trail<Evaluation>): EvaluatedRule[] {
  const label = tableLabel(table);
  const entry = (chain: Chain, rule: Rule, result: string): EvaluatedRule => {
    const e: EvaluatedRule = { table: label, chain: chain.name, rule: ruleText(rule), result };
    if (rule.line !== undefined) e.line = rule.line;
    if (rule.handle !== undefined) e.handle = rule.handle;
    return e;
  };
  // Records split where paths forked: join those that continue each other first.
  const runs: Evaluation[] = [];
  for (const r of toArray(trail)) {
    const last = runs[runs.length - 1];
    if (last && last.chain === r.chain && last.result === r.result && last.to + 1 === r.from) runs[runs.length - 1] = { ...last, to: r.to, total: r.total };
    else runs.push(r);
  }
  return runs.flatMap(({ chain, from, to, result }) => {
    const rules = chain.rules.slice(from, to + 1);
    if (rules.length <= SHOWN_RUN) return rules.map((rule) => entry(chain, rule, result));
    const ends = 4;
    const hidden = rules.slice(ends, -ends);
    const [first, last] = [hidden[0]!, hidden[hidden.length - 1]!];
    const where = first.line !== undefined && last.line !== undefined ? `lines ${first.line}–${last.line}` : first.handle !== undefined && last.handle !== undefined ? `handles ${first.handle}–${last.handle}` : `rules ${first.index + 1}–${last.index + 1}`;
    const summary: EvaluatedRule = { ...entry(chain, first, result), rule: `… ${hidden.length.toLocaleString('en-US')} more rules of ${chain.name} (${where}), each ${result}`, skipped: hidden.length };
    return [...rules.slice(0, ends).map((rule) => entry(chain, rule, result)), summary, ...rules.slice(-ends).map((rule) => entry(chain, rule, result))];
  });
}

function ruleStep(table: Table, chain: Chain, rule: Rule, before: Packet, after: Packet, verdict: string, action: RuleAction, target: string | undefined): NetfilterStep {
  const view = viewOf(before);
  const s: NetfilterStep = {
    kind: 'netfilter',
    summary: once(rule, 'summary', verdict, () => `${tableLabel(table)} ${chain.name}: ${verdict}`),
    table: tableLabel(table),
    chain: chain.name,
    rule: ruleText(rule),
    verdict,
    action,
    packetBefore: view,
    packetAfter: before === after ? view : viewOf(after),
  };
  if (target !== undefined) s.target = target;
  if (rule.line !== undefined) s.line = rule.line;
  if (rule.handle !== undefined) s.handle = rule.handle;
  return s;
}

function policyStep(table: Table, chain: Chain, pkt: Packet, policy: 'accept' | 'drop'): Step {
  const view = viewOf(pkt);
  return {
    kind: 'netfilter',
    summary: once(chain, 'summary', policy, () => `${tableLabel(table)} ${chain.name}: policy ${policy}`),
    table: tableLabel(table),
    chain: chain.name,
    verdict: once(chain, 'policy', policy, () => `policy ${policy}`),
    action: policy === 'drop' ? 'policy-drop' : 'policy-accept',
    packetBefore: view,
    packetAfter: view,
  };
}
