/**
 * The rule walk's work list, ordered by position in the walk: the state that is earliest runs next, so forks
 * that come back to the same point (the same rule of the same chain, called from the same place) meet there and
 * can be merged before either goes further.
 */
import type { Chain } from '../model/netfilter.js';

export interface Frame {
  chain: Chain;
  /** The next rule to evaluate. */
  idx: number;
  /** Chains this frame replaced by goto (still part of the call path for loop detection). */
  via?: readonly Chain[];
}

export interface Positioned {
  stack: Frame[];
  /** Creation order: the tie-break that keeps the walk deterministic. */
  seq: number;
}

/**
 * Negative when `a` comes first. A caller's frame records the rule after the call, so a state inside a called
 * chain is earlier than one already back in (or never gone from) the caller at that rule.
 */
export function comparePosition(a: Positioned, b: Positioned): number {
  const n = Math.min(a.stack.length, b.stack.length);
  for (let d = 0; d < n; d++) {
    const fa = a.stack[d]!;
    const fb = b.stack[d]!;
    if (fa.idx !== fb.idx) return fa.idx - fb.idx;
    if (fa.chain !== fb.chain) return fa.chain.name < fb.chain.name ? -1 : 1;
  }
  return b.stack.length - a.stack.length;
}

/**
 * Whether the state `a` may still reach the position of `b` and meet it there: only in the same chains (the same
 * call path; a state in another chain at that depth, such as another endpoint's chain behind a numgen map, does
 * not come back to it). A missed meeting only means a merge not made; waiting for states it cannot meet would cost
 * a heap operation per rule.
 */
export function mayMeet(a: Positioned, b: Positioned): boolean {
  if (a.stack.length !== b.stack.length) return true;
  for (let d = 0; d < a.stack.length; d++) if (a.stack[d]!.chain !== b.stack[d]!.chain) return false;
  return true;
}

/** A binary heap by position, then creation order. */
export class Frontier<S extends Positioned> {
  private readonly heap: S[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): S | undefined {
    return this.heap[0];
  }

  push(s: S): void {
    const h = this.heap;
    h.push(s);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (before(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  pop(): S | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }

  /** Every state at the earliest position (they may be merged before one of them moves on). */
  popEarliest(): S[] {
    const first = this.pop();
    if (!first) return [];
    const out = [first];
    while (this.heap.length > 0 && comparePosition(this.heap[0]!, first) === 0) out.push(this.pop()!);
    return out;
  }
}

function before(a: Positioned, b: Positioned): boolean {
  const c = comparePosition(a, b);
  return c < 0 || (c === 0 && a.seq < b.seq);
}
