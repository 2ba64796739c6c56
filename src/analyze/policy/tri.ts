/** Three-valued logic for matches that can be undecided (`maybe`). */
import type { Tri } from './types.js';

const RANK: Record<Tri, number> = { no: 0, maybe: 1, yes: 2 };

export const triAnd = (a: Tri, b: Tri): Tri => (RANK[a] <= RANK[b] ? a : b);
