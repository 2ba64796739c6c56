/** A branch in progress: its odds, the hops so far, notes. Forks copy; ends become Branches. */
import type { Branch, Disposition, Endpoint, Hop, Step } from './trace.js';
import { viewOf, type Packet } from './packet.js';
import type { HookRun } from './hook.js';

export interface Flow {
  probability: number;
  hops: Hop[];
  notes: string[];
  /** Client affinity met on the way (Branch.affinity). */
  affinity?: string;
  /** Loop guard: node|iif|tuple keys seen on this branch. */
  visited: string[];
}

export const newFlow = (): Flow => ({ probability: 1, hops: [], notes: [], visited: [] });

export function fork(f: Flow): Flow {
  return { probability: f.probability, hops: f.hops.map((h) => ({ ...h, steps: [...h.steps] })), notes: [...f.notes], visited: [...f.visited], ...(f.affinity !== undefined ? { affinity: f.affinity } : {}) };
}

/** Appends steps to the hop of `node` (opening a new hop when the walk moved on). */
export function addSteps(f: Flow, node: string, steps: Step[]): void {
  let hop = f.hops[f.hops.length - 1];
  if (!hop || hop.node !== node) {
    hop = { node, namespace: 'host', steps: [] };
    f.hops.push(hop);
  }
  hop.steps.push(...steps);
}

export function note(f: Flow, text: string): void {
  if (!f.notes.includes(text)) f.notes.push(text);
}

/** A copy of the flow that took one hook outcome. */
export function takeRun(f: Flow, node: string, run: HookRun, forked: boolean): Flow {
  const g = forked ? fork(f) : f;
  g.probability *= run.probability;
  for (const n of run.notes) note(g, n);
  if (run.affinity !== undefined) g.affinity = run.affinity;
  addSteps(g, node, run.steps);
  return g;
}

export function end(f: Flow, disposition: Disposition, reason: string, pkt: Packet, endpoint?: Endpoint): Branch {
  const b: Branch = { probability: f.probability, disposition, reason, hops: f.hops, notes: f.notes, final: viewOf(pkt) };
  if (endpoint) b.endpoint = endpoint;
  if (f.affinity !== undefined) b.affinity = f.affinity;
  return b;
}

/** A hook's non-accept verdict as a branch end. */
export function endOfVerdict(f: Flow, run: HookRun): Branch {
  const d: Disposition = run.verdict === 'drop' ? 'dropped' : run.verdict === 'reject' ? 'rejected' : 'uncertain';
  const b = end(f, d, run.reason, run.packet);
  if (run.cause) b.cause = run.cause;
  return b;
}
