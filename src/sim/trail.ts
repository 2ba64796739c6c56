/**
 * A persistent list that grows at its end: a fork shares everything recorded before it, so copying a
 * walk's history costs nothing and only the paths that are shown are ever turned into arrays.
 */
export type Trail<T> = { readonly item: T; readonly prev: Trail<T> } | null;

export const append = <T>(trail: Trail<T>, item: T): Trail<T> => ({ item, prev: trail });

/** The items, oldest first. */
export function toArray<T>(trail: Trail<T>): T[] {
  const out: T[] = [];
  for (let t = trail; t; t = t.prev) out.push(t.item);
  return out.reverse();
}

