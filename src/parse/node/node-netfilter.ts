/** The netfilter part of a node model: every iptables/nft dump of the node merged into one ruleset, gaps marked unread. */
import type { Chain, Family, LostPart, NetfilterDump, Rule, Ruleset, Table, TableOrigin } from '../../model/netfilter.js';
import { detectIptablesOrigin, type IptablesOrigin } from '../iptables-origin.js';
import { parseIptablesSave } from '../netfilter/iptables-save.js';
import { parseNftJson } from '../netfilter/nft-json.js';
import { mergeRulesets } from '../netfilter/merge.js';
import { parseIpsetSave } from '../netfilter/ipset.js';
import { IPTABLES_TABLES, builtinChain, builtinChains } from '../netfilter/base-chains.js';
import type { DumpReader } from './dump-reader.js';
import { describeGap, type StateGap } from '../../model/gaps.js';

type Backend = Extract<TableOrigin, 'iptables-nft' | 'iptables-legacy'>;

/** The saves of one address family: the generic key holds the backend kube-proxy uses, the others name theirs. */
const FAMILIES = [
  { family: 'ip', n: 4, generic: 'iptables', keys: { 'iptables-nft': 'iptables-nft', 'iptables-legacy': 'iptables-legacy' } },
  { family: 'ip6', n: 6, generic: 'ip6tables', keys: { 'iptables-nft': 'ip6tables-nft', 'iptables-legacy': 'ip6tables-legacy' } },
] as const;
type FamilySaves = (typeof FAMILIES)[number];

/** NF_IP_PRI_FIRST: a native table of unknown priority may run before anything at its hook. */
const PRI_FIRST = -2147483648;
const IP_HOOKS = ['prerouting', 'input', 'forward', 'output', 'postrouting'] as const;
const LEGACY_WARNING = /^# Warning: iptables-legacy tables present/m;

export interface NetfilterModel {
  ruleset: Ruleset;
  origins: Record<string, IptablesOrigin>;
  gaps: StateGap[];
  /** Each dump as read, in reading order. */
  dumps: NetfilterDump[];
}

/**
 * `iptables` is the dump of the backend kube-proxy uses; its origin is read from the dump (iptables-origin.ts). When the
 * backend-specific dump (`iptables-nft` / `iptables-legacy`) is also present it holds the same tables, so the generic one
 * is skipped rather than counted twice. Native nft tables come from `nft`; merge.ts drops nft's copy of iptables-nft tables.
 * What no dump shows — a backend whose save failed or is missing, the native tables of a failed nft dump, a table a save
 * lost lines of — becomes unread: stand-in base chains (or a first rule in the known ones) that end a walk uncertain.
 */
export function buildRuleset(r: DumpReader): NetfilterModel {
  const parts: Ruleset[] = [];
  const origins: Record<string, IptablesOrigin> = {};
  const lost: { key: string; family: 'ip' | 'ip6'; origin: Backend; parts: LostPart[] }[] = [];
  const dumps: NetfilterDump[] = [];
  const save = (key: string, family: 'ip' | 'ip6', fixed?: Backend) => {
    let sameAs: string | undefined;
    let legacyTablesPresent = false;
    const rs = r.run(key, (text, source) => {
      const o: IptablesOrigin = fixed ? { origin: fixed, evidence: `dump key ${key}`, certain: true } : saveOrigin(r.capture.dumps[key]?.argv ?? [], text);
      origins[key] = o;
      legacyTablesPresent = LEGACY_WARNING.test(text.slice(0, 4096));
      // An empty dump (no tables) has no backend worth deciding.
      const hasTables = /^\*\w/m.test(text) || /^-[APN] /m.test(text);
      if (!o.certain && hasTables) r.warnings.push({ code: 'iptables-origin-assumed', message: o.evidence, source: key });
      const fam = FAMILIES.find((f) => f.family === family)!;
      const specific = fam.keys[o.origin];
      if (!fixed && r.capture.dumps[specific]?.exitCode === 0) {
        sameAs = specific;
        return { tables: [], warnings: [{ code: 'same-as-specific-dump', message: `the ${specific} dump holds the same tables; read from there`, source: key }] };
      }
      // On use: a trace reads a few chains of a ruleset that may hold 60,000 (docs/parsers.md).
      return parseIptablesSave(text, { source, family, origin: o.origin, rules: 'on-use', recover: true });
    });
    if (!rs) return;
    parts.push(rs);
    const o = origins[key]!;
    dumps.push({ dump: key, save: { family, origin: o.origin, certain: o.certain, legacyTablesPresent, ...(sameAs ? { sameAs } : {}) }, tables: [...rs.tables], ...(rs.lost?.length ? { lost: rs.lost } : {}) });
    if (rs.lost?.length) lost.push({ key, family, origin: o.origin, parts: rs.lost });
  };
  for (const f of FAMILIES) {
    save(f.keys['iptables-nft'], f.family, 'iptables-nft');
    save(f.keys['iptables-legacy'], f.family, 'iptables-legacy');
    save(f.generic, f.family);
  }
  const nft = r.run('nft', (text, source) => parseNftJson(text, { source, rules: 'on-use', recover: true }));
  if (nft) {
    parts.push(nft);
    dumps.push({ dump: 'nft', tables: [...nft.tables], ...(nft.lost?.length ? { lost: nft.lost } : {}) });
  }
  const merged = mergeRulesets(parts);
  const ipsets = r.run('ipset', (text, source) => parseIpsetSave(text, { source }));
  if (ipsets) merged.ipsets = [...(merged.ipsets ?? []), ...ipsets];

  const gaps: StateGap[] = [];
  const unread = new Unread(r.node, merged);
  for (const f of FAMILIES) {
    for (const backend of ['iptables-nft', 'iptables-legacy'] as const) {
      const g = lostBackend(r, f, backend, origins, unread);
      if (g) gaps.push(g);
    }
  }
  for (const l of lost) gaps.push(lostLines(l, unread));
  if (nft?.lost?.length) gaps.push(lostItems(nft.lost, unread));
  if (!r.read('nft')) {
    const g = gapOf(r, 'nft', undefined, ['native nft tables (any family, hook and priority)']);
    unread.native(g);
    gaps.push(g);
  }
  return { ruleset: merged, origins, gaps, dumps };
}

/**
 * The backend of a generic save: the command that made it when its name says (`iptables-nft-save`,
 * `iptables-legacy-save`), else the save's own header (detectIptablesOrigin; never the header's program name).
 */
function saveOrigin(argv: readonly string[], text: string): IptablesOrigin {
  const cmd = argv[0] ?? '';
  if (/nft/.test(cmd)) return { origin: 'iptables-nft', evidence: `made by ${cmd}`, certain: true };
  if (/legacy/.test(cmd)) return { origin: 'iptables-legacy', evidence: `made by ${cmd}`, certain: true };
  return detectIptablesOrigin(text);
}

/** The backend side of a family no save shows: what else tells its tables, or stand-ins for them. */
function lostBackend(r: DumpReader, f: FamilySaves, backend: Backend, origins: Record<string, IptablesOrigin>, unread: Unread): StateGap | undefined {
  const specific = f.keys[backend];
  const genericOrigin = origins[f.generic]?.origin;
  if (r.read(specific) || (r.read(f.generic) && genericOrigin === backend)) return undefined;
  const key = responsibleKey(r, f, backend, genericOrigin);
  const otherKey = readSaveOf(r, f, backend === 'iptables-nft' ? 'iptables-legacy' : 'iptables-nft', origins);
  if (backend === 'iptables-legacy' && otherKey !== undefined && !LEGACY_WARNING.test(r.text(otherKey)?.slice(0, 4096) ?? '')) {
    // iptables-nft-save warns when legacy tables exist: its silence shows there are none.
    if (r.failure(key)?.cause === 'not-collected') return undefined;
    return { ...gapOf(r, key, f.n, []), moot: `${otherKey} shows no "iptables-legacy tables present" warning: this node has no legacy ${f.family} tables` };
  }
  if (backend === 'iptables-nft' && r.read('nft')) {
    // The nft dump is the kernel's own list of nf_tables tables, iptables-nft's included.
    const tables = unread.kernelCopies(f.family);
    if (tables.length === 0) return undefined;
    const hidden = tables.filter((t) => !rulesListed(r, t));
    const g = gapOf(r, key, f.n, hidden.length ? [`rules of ${hidden.map((t) => `${t.family} ${t.name}`).join(', ')} (the nft dump lists their chains only)`] : [`xt matches of ${tables.map((t) => `${t.family} ${t.name}`).join(', ')} (only iptables-save shows them)`]);
    for (const t of hidden) unread.prepend(t, g);
    return g;
  }
  const g = gapOf(r, key, f.n, [`${backend} tables ${[...IPTABLES_TABLES].join(', ')}`]);
  unread.standardTables(f.family, backend, [...IPTABLES_TABLES], g);
  return g;
}

/** The dump that should have shown a backend's tables: one that failed, else the one the probe meant for it. */
function responsibleKey(r: DumpReader, f: FamilySaves, backend: Backend, genericOrigin: Backend | undefined): string {
  const specific = f.keys[backend];
  const genericBackend = genericOrigin ?? probeBackend(r, f);
  const candidates = genericBackend === undefined || genericBackend === backend ? [f.generic, specific] : [specific];
  return candidates.find((k) => r.failure(k) !== undefined && r.failure(k)!.cause !== 'not-collected') ?? candidates[0]!;
}

/** The backend the generic key holds when the dump itself cannot tell: the probe's decision, or which other key it took. */
function probeBackend(r: DumpReader, f: FamilySaves): Backend | undefined {
  const b = r.capture.probe?.iptablesBackend?.backend;
  if (b) return b === 'nf_tables' ? 'iptables-nft' : 'iptables-legacy';
  if (r.capture.dumps[f.keys['iptables-legacy']]) return 'iptables-nft';
  if (r.capture.dumps[f.keys['iptables-nft']]) return 'iptables-legacy';
  return undefined;
}

function readSaveOf(r: DumpReader, f: FamilySaves, backend: Backend, origins: Record<string, IptablesOrigin>): string | undefined {
  if (r.read(f.keys[backend])) return f.keys[backend];
  return r.read(f.generic) && origins[f.generic]?.origin === backend ? f.generic : undefined;
}

/** A probe's nft listing holds the rules of the tables it listed one by one (or of the whole ruleset). */
function rulesListed(r: DumpReader, t: Table): boolean {
  const d = r.capture.dumps.nft;
  if (!d) return false;
  const steps = d.steps ?? [d.argv];
  return steps.some((s) => s.includes('ruleset') || (s.includes('table') && s[s.length - 2] === t.family && s[s.length - 1] === t.name));
}

/** Lines a save could not read cost their table; a cut dump also costs the tables it never reached. */
function lostLines(l: { key: string; family: 'ip' | 'ip6'; origin: Backend; parts: LostPart[] }, unread: Unread): StateGap {
  const what = l.parts.flatMap((p) => [
    p.chain ? `line ${p.line} (a rule of ${p.table} ${p.chain})` : p.table ? `table ${p.table}${p.line ? ` from line ${p.line}` : ''}` : p.unseen ? '' : `line ${p.line ?? '?'} (outside any table)`,
    p.unseen ? `tables ${p.unseen.join(', ')} (not in the dump)` : '',
  ]).filter(Boolean);
  const g: StateGap = { dump: l.key, cause: 'partial', state: 'netfilter', family: l.family === 'ip' ? 4 : 6, reason: l.parts[0]!.reason, lost: [...new Set(what)] };
  for (const p of l.parts) {
    const at = p.chain !== undefined ? unread.find(l.family, p.table!, l.origin)?.chains.find((c) => c.name === p.chain) : undefined;
    if (at) {
      unread.insertAt(at, p.line ?? 0, g);
      continue;
    }
    const names = p.table || p.unseen ? [...(p.table ? [p.table] : []), ...(p.unseen ?? [])] : [...IPTABLES_TABLES];
    for (const name of names) {
      const t = unread.find(l.family, name, l.origin);
      if (t) unread.prepend(t, g);
      else if (IPTABLES_TABLES.has(name)) unread.standardTables(l.family, l.origin, [name], g);
    }
  }
  return g;
}

/**
 * nft items that did not read cost their table: the lost item may have been any of its chains, at any hook and
 * priority, so the table stands in at every hook of its family; an item that names no table costs every native table.
 */
function lostItems(parts: LostPart[], unread: Unread): StateGap {
  const what = [...new Set(parts.map((p) => (p.family && p.table ? `table ${p.family} ${p.table}` : 'native nft tables (an item naming no table)')))];
  const g: StateGap = { dump: 'nft', cause: 'partial', state: 'netfilter', reason: parts[0]!.reason, lost: what };
  // The kernel's copy of a table iptables-save shows is not what the walk reads.
  const live = parts.filter((p) => !(p.family && p.table && unread.savedCopy(p.family, p.table)));
  if (live.length === 0) return { ...g, moot: 'the lost items belong to iptables-nft tables, read from iptables-save' };
  for (const p of live) unread.native(g, p.family && p.table ? { family: p.family, name: p.table } : undefined);
  return g;
}

function gapOf(r: DumpReader, key: string, family: 4 | 6 | undefined, lost: string[]): StateGap {
  const f = r.failure(key) ?? { cause: 'not-collected' as const, reason: 'not in the snapshot' };
  const g: StateGap = { dump: key, cause: f.cause, state: 'netfilter', reason: f.reason, lost };
  if (family !== undefined) g.family = family;
  return g;
}

/** Marks what the dumps do not show in the merged ruleset. */
class Unread {
  constructor(
    private readonly node: string,
    private readonly rs: Ruleset,
  ) {}

  /** nf_tables' copies of iptables-nft tables of a family (the nft dump's, kept when no save covers them). */
  kernelCopies(family: Family): Table[] {
    return this.rs.tables.filter((t) => t.dump === 'nft-json' && t.origin === 'iptables-nft' && t.family === family);
  }

  /** True when iptables-save shows this iptables-nft table (its nft copy is not read). */
  savedCopy(family: Family, name: string): boolean {
    return this.rs.tables.some((t) => t.family === family && t.name === name && t.origin === 'iptables-nft' && t.dump === 'iptables-save' && t.unread === undefined);
  }

  find(family: Family, name: string, origin: Backend): Table | undefined {
    return this.rs.tables.find((t) => t.family === family && t.name === name && t.origin === origin && t.unread === undefined);
  }

  /**
   * The table's base chains start with an unread rule: what the lost lines held may come first. A built-in chain the
   * partly read table does not declare may have been among the lost lines: it stands in, hooked, with that rule.
   */
  prepend(t: Table, g: StateGap): void {
    for (const name of t.dump === 'iptables-save' ? builtinChains(t.name) : []) {
      if (!t.chains.some((c) => c.name === name)) t.chains.push({ name, base: { ...builtinChain(t.name, name)!, policy: 'accept' }, rules: [] });
    }
    for (const c of t.chains) if (c.base && !c.rules[0]?.exprs.some((e) => e.kind === 'unread')) c.rules = [this.rule(g), ...c.rules];
  }

  /** The lost rule of a chain, where its line was: before the first rule read from a later line. */
  insertAt(c: Chain, line: number, g: StateGap): void {
    const rules = c.rules;
    const i = rules.findIndex((r) => (r.line ?? 0) > line);
    const rule = { ...this.rule(g), line };
    c.rules = i < 0 ? [...rules, rule] : [...rules.slice(0, i), rule, ...rules.slice(i)];
  }

  /** Stand-ins for standard tables no dump shows, with every built-in chain at its hook and priority. */
  standardTables(family: Family, origin: Backend, names: string[], g: StateGap): void {
    for (const name of names) {
      const chains: Chain[] = builtinChains(name).map((c) => ({ name: c, base: { ...builtinChain(name, c)!, policy: 'accept' }, rules: [this.rule(g)] }));
      this.rs.tables.push({ family, name, origin, dump: 'iptables-save', chains, sets: [], unread: { dump: g.dump, reason: describeGap(g) } });
    }
  }

  /**
   * Native tables no dump shows: any family, any hook, any priority — so first at every hook, bridged frames too. With
   * `one`, the one table whose lost part may hold a chain at any hook of its family.
   */
  native(g: StateGap, one?: { family: Family; name: string }): void {
    const families: Family[] = one ? [one.family] : ['inet', 'bridge'];
    for (const family of families) {
      const name = one ? `${one.name} (part not read)` : '(not read)';
      if (this.rs.tables.some((t) => t.family === family && t.name === name)) continue;
      const chains: Chain[] = IP_HOOKS.map((hook) => ({ name: hook, base: { type: 'filter', hook, priority: PRI_FIRST, policy: 'accept' }, rules: [this.rule(g)] }));
      this.rs.tables.push({ family, name, origin: 'nft', dump: 'nft-json', chains, sets: [], unread: { dump: g.dump, reason: describeGap(g) } });
    }
  }

  private rule(g: StateGap): Rule {
    const reason = `rules unknown on ${this.node}: ${describeGap(g)}`;
    return { index: 0, text: `(rules not read: ${g.dump} dump)`, exprs: [{ kind: 'unread', node: this.node, dump: g.dump, reason }] };
  }
}
