/**
 * Minimal `conntrack -L` reader for the oracle (the product's parser lives in src/parse/): original
 * and reply tuples, state and flags. Pure.
 */

interface Tuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

export interface ConntrackEntry {
  protocol: string;
  state?: string;
  original: Tuple;
  reply: Tuple;
  unreplied: boolean;
  assured: boolean;
  mark?: number;
  /** The line as conntrack printed it. */
  raw: string;
}

function tuple(kv: [string, string][]): Tuple {
  const get = (k: string): string | undefined => kv.find(([key]) => key === k)?.[1];
  const t: Tuple = { src: get('src') ?? '', dst: get('dst') ?? '' };
  const sport = get('sport');
  const dport = get('dport');
  if (sport !== undefined) t.sport = Number(sport);
  if (dport !== undefined) t.dport = Number(dport);
  return t;
}

export function parseConntrackLine(line: string): ConntrackEntry | undefined {
  const words = line.trim().split(/\s+/);
  const protocol = words[0];
  if (!protocol || words.length < 4 || !/^\d+$/.test(words[1] ?? '')) return undefined;
  const state = /^[A-Z_]+$/.test(words[3] ?? '') ? words[3] : undefined;
  // key=value pairs: the first src starts the original tuple, the second src starts the reply tuple.
  const pairs = words.filter((w) => /^[a-z]+=/.test(w)).map((w): [string, string] => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]);
  const second = pairs.findIndex(([k], i) => k === 'src' && i > 0);
  if (second < 0) return undefined;
  const mark = pairs.find(([k]) => k === 'mark')?.[1];
  const entry: ConntrackEntry = {
    protocol,
    original: tuple(pairs.slice(0, second)),
    reply: tuple(pairs.slice(second).filter(([k]) => ['src', 'dst', 'sport', 'dport'].includes(k))),
    unreplied: words.includes('[UNREPLIED]'),
    assured: words.includes('[ASSURED]'),
    raw: line.trim(),
  };
  if (state !== undefined) entry.state = state;
  if (mark !== undefined) entry.mark = Number(mark);
  return entry;
}

export const parseConntrack = (text: string): ConntrackEntry[] =>
  text.split('\n').flatMap((l) => {
    const e = parseConntrackLine(l);
    return e ? [e] : [];
  });
