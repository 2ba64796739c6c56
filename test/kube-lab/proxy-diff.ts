/**
 * Normal forms of kube-proxy's rules as the kernel lists them, so the real kube-proxy's rules on a lab
 * node and the lab renderer's rules (loaded into a scratch namespace and listed by the same tools) can
 * be compared line for line. Every normalisation here removes something that is not kube-proxy's
 * choice or has no meaning; each is named where it is made.
 */

/** kube-proxy's own iptables chains (pkg/proxy/iptables/proxier.go); kube-router's, flannel's and the kubelet's are other programs'. */
const OWNED_CHAIN = /^KUBE-(SERVICES|EXTERNAL-SERVICES|FORWARD|NODEPORTS|PROXY-FIREWALL|FIREWALL|POSTROUTING|MARK-MASQ|PROXY-CANARY|(SVC|SVL|EXT|FW|SEP)-[A-Z0-9]{16})$/;
const BUILTIN = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);
/**
 * Chains every service port adds rules to. kube-proxy walks its service map (a Go map: random order)
 * to write them, so the order of different services' rules in them is no decision of its own; the one
 * rule whose place matters (the NodePorts jump, "must be the last rule") is kept last.
 */
const SHARED_CHAINS = new Set(['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL']);
const MUST_BE_LAST = 'this must be the last rule in this chain';

const TABLES = ['mangle', 'filter', 'nat'];

/**
 * `iptables-save` output reduced to kube-proxy's part, per table: its chains (sorted by name; counters
 * and builtin policies dropped), each chain's rules in order, and the builtin chains' rules that jump
 * to its chains (in their order; other programs' rules between them dropped).
 */
export function normaliseIptablesSave(save: string): string[] {
  const chains = new Map<string, { table: string; rules: string[] }>();
  let table = '';
  for (const raw of save.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith(':')) {
      const name = line.slice(1).split(' ')[0] ?? '';
      if (OWNED_CHAIN.test(name)) chains.set(`${table} ${name}`, { table, rules: [] });
    } else if (line.startsWith('-A ')) {
      const chain = line.split(' ')[1] ?? '';
      const target = / -[jg] (\S+)/.exec(line)?.[1] ?? '';
      if (!BUILTIN.has(chain)) chains.get(`${table} ${chain}`)?.rules.push(line);
      else if (OWNED_CHAIN.test(target)) {
        const key = `${table} ${chain}`;
        if (!chains.has(key)) chains.set(key, { table, rules: [] });
        chains.get(key)?.rules.push(line);
      }
    }
  }
  const out: string[] = [];
  for (const t of TABLES) {
    const names = [...chains.keys()].filter((k) => k.startsWith(`${t} `)).sort();
    for (const key of names) {
      const name = key.slice(t.length + 1);
      let rules = chains.get(key)?.rules ?? [];
      if (SHARED_CHAINS.has(name)) rules = [...rules.filter((r) => !r.includes(MUST_BE_LAST)).sort(), ...rules.filter((r) => r.includes(MUST_BE_LAST))];
      out.push(`*${t} :${name}`, ...rules.map((r) => `*${t} ${r}`));
    }
  }
  return out;
}

type NftObject = Record<string, Record<string, unknown>>;

/** Sorts a JSON value's object keys, so two equal objects print alike. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

const text = (v: unknown): string => JSON.stringify(canonical(v));

/**
 * `nft -j list table …` output as one line per object: the table, each set and map (its elements
 * sorted: kube-proxy adds them in its service map's random order, and the kernel lists a hash set in
 * hash order), each chain, and each chain's rules in order. Handles (the kernel's numbering of
 * objects in the order they were added) are dropped; objects are sorted by kind and name.
 */
export function normaliseNftJson(json: string): string[] {
  const parsed = JSON.parse(json) as { nftables: NftObject[] };
  const heads: string[] = [];
  const rules = new Map<string, string[]>();
  for (const obj of parsed.nftables) {
    const [kind, body] = Object.entries(obj)[0] ?? [];
    if (!kind || !body || kind === 'metainfo') continue;
    const { handle: _h, ...rest } = body;
    if (kind === 'rule') {
      const { chain, family: _f, table: _t, ...rule } = rest;
      const list = rules.get(String(chain)) ?? [];
      list.push(`rule ${String(chain)} ${text(rule)}`);
      rules.set(String(chain), list);
      continue;
    }
    if ((kind === 'set' || kind === 'map') && Array.isArray(rest['elem'])) rest['elem'] = (rest['elem'] as unknown[]).map(text).sort();
    heads.push(`${kind} ${String(rest['name'])} ${text(rest)}`);
  }
  heads.sort();
  const out: string[] = [];
  for (const head of heads) {
    out.push(head);
    if (head.startsWith('chain ')) out.push(...(rules.get(head.split(' ')[1] ?? '') ?? []));
  }
  return out;
}

/** Lines only one side has (as multisets): what a reader needs to see when the forms differ. */
export function lineDiff(real: string[], rendered: string[]): { onlyReal: string[]; onlyRendered: string[] } {
  const count = new Map<string, number>();
  for (const l of real) count.set(l, (count.get(l) ?? 0) + 1);
  const onlyRendered: string[] = [];
  for (const l of rendered) {
    const n = count.get(l) ?? 0;
    if (n > 0) count.set(l, n - 1);
    else onlyRendered.push(l);
  }
  return { onlyReal: [...count.entries()].flatMap(([l, n]) => Array<string>(n).fill(l)), onlyRendered };
}
