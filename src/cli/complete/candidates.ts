/**
 * What to offer at the cursor, in Cobra's completion protocol (what kubectl ≥1.26 expects from a
 * plugin's `kubectl_complete-NAME` helper, and what the bash/zsh/fish scripts read): one candidate per
 * line (`value<TAB>description`), then `:DIRECTIVE`. Pure: names from the cluster come in through
 * `Names`, asked for only when the cursor needs them.
 */

/**
 * What completion reads of each command: its summary and flags. oclif's command classes have this shape, and so
 * does the build-time copy (cli/static-help.ts), which completes without loading oclif or any command.
 */
export type CommandTable = Record<string, CommandFlags>;
interface CommandFlags {
  summary?: string;
  baseFlags?: Record<string, FlagDef>;
  flags?: Record<string, FlagDef>;
}

/** Cobra's ShellCompDirective bits. */
const DIRECTIVE = { default: 0, error: 1, noSpace: 2, noFileComp: 4 } as const;

interface Candidate {
  value: string;
  description?: string;
}

export interface Completion {
  candidates: Candidate[];
  directive: number;
}

/** The names completion can offer, from the cluster or a snapshot; each may fail (then: nothing). */
export interface Names {
  pods(namespace: string | undefined): Promise<{ name: string; namespace: string; owner?: { kind: string; name: string } }[]>;
  services(namespace: string | undefined): Promise<{ name: string; namespace: string; ports: { port: number; name?: string }[] }[]>;
  nodes(): Promise<string[]>;
  namespaces(): Promise<string[]>;
  contexts(): Promise<string[]>;
}

/** What the words typed so far say about where to look: -n, --context, --kubeconfig, --snapshot. */
export interface LineFlags {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  snapshot?: string;
  requestTimeout?: string;
}

const WORKLOAD_PREFIXES = ['deploy/', 'sts/', 'ds/', 'rs/', 'job/'];
const OWNER_PREFIX: Record<string, string> = { Deployment: 'deploy/', StatefulSet: 'sts/', DaemonSet: 'ds/', ReplicaSet: 'rs/', Job: 'job/' };

type FlagDef = { type: string; char?: string; description?: string; summary?: string; options?: readonly string[]; helpValue?: string | string[]; hidden?: boolean; allowNo?: boolean };

function flagsOf(cmd: CommandFlags | undefined, commands: CommandTable): Record<string, FlagDef> {
  if (cmd) return { ...(cmd.baseFlags ?? {}), ...(cmd.flags ?? {}) };
  // Before the command: the flags every command has.
  const first = Object.values(commands).find((c) => c.baseFlags);
  return first?.baseFlags ?? {};
}

const FLAG_FIELDS = ['type', 'char', 'description', 'summary', 'options', 'helpValue', 'hidden', 'allowNo'] as const;

/** The table with only what completion reads, as plain data (the build writes it beside the help pages). */
export function completionTable(commands: CommandTable): CommandTable {
  const defs = (flags: Record<string, FlagDef> | undefined): Record<string, FlagDef> | undefined =>
    flags && Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, Object.fromEntries(FLAG_FIELDS.filter((k) => f[k] !== undefined).map((k) => [k, f[k]])) as FlagDef]));
  return Object.fromEntries(
    Object.entries(commands).map(([id, c]) => [id, { ...(c.summary !== undefined ? { summary: c.summary } : {}), ...(c.baseFlags ? { baseFlags: defs(c.baseFlags) } : {}), ...(c.flags ? { flags: defs(c.flags) } : {}) }]),
  );
}

const byPrefix = (prefix: string) => (c: Candidate) => c.value.startsWith(prefix);

/** Reads the flags already on the line that change where names come from. */
export function lineFlags(words: readonly string[]): LineFlags {
  const out: LineFlags = {};
  const keys: Record<string, keyof LineFlags> = { '-n': 'namespace', '--namespace': 'namespace', '--context': 'context', '--kubeconfig': 'kubeconfig', '--snapshot': 'snapshot', '--request-timeout': 'requestTimeout' };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const eq = /^(--[a-z-]+)=(.*)$/.exec(w);
    if (eq && keys[eq[1]!]) out[keys[eq[1]!]!] = eq[2]!;
    else if (keys[w] && i + 1 < words.length) out[keys[w]!] = words[i + 1]!;
    else if (/^-n\S/.test(w)) out.namespace = w.slice(2);
  }
  return out;
}

/**
 * `words`: what follows `kubectl netx` on the line, the last being the word at the cursor (maybe '').
 */
export async function completeLine(words: readonly string[], commands: CommandTable, names: Names): Promise<Completion> {
  const typed = words.slice(0, -1);
  const current = words[words.length - 1] ?? '';
  const flags = lineFlags(typed);
  // The command is the first argument; flags may come before it (kubectl netx -n shop trace …).
  const id = positionals(typed, flagsOf(undefined, commands))[0];
  const cmd = id ? commands[id] : undefined;
  if (id && !cmd) return { candidates: [], directive: DIRECTIVE.noFileComp };
  const defs = flagsOf(cmd, commands);

  // The value of the flag before the cursor (`-n <TAB>`) or after `=` (`--output=<TAB>`).
  const eq = /^(--?[A-Za-z-]+)=(.*)$/.exec(current);
  const prev = typed[typed.length - 1];
  const valueOf = eq ? findFlag(defs, eq[1]!) : prev && prev.startsWith('-') && !prev.includes('=') ? findFlag(defs, prev) : undefined;
  if (valueOf && valueOf.def.type === 'option') {
    const partial = eq ? eq[2]! : current;
    const done = await flagValues(valueOf.name, valueOf.def, flags, names);
    const lead = eq ? `${eq[1]}=` : '';
    return withOpenEnds({ ...done, candidates: done.candidates.filter(byPrefix(partial)).map((c) => ({ ...c, value: lead + c.value })) });
  }
  if (current.startsWith('-')) return { candidates: flagCandidates(defs).filter(byPrefix(current)), directive: DIRECTIVE.noFileComp };
  if (!cmd || !id) {
    const list = Object.entries(commands).map(([name, c]) => ({ value: name, description: c.summary ?? '' }));
    return { candidates: list.filter(byPrefix(current)), directive: DIRECTIVE.noFileComp };
  }
  const position = positionals(typed.slice(typed.indexOf(id) + 1), defs).length;
  return argCandidates(id, position, current, flags, names, commands);
}

function findFlag(defs: Record<string, FlagDef>, token: string): { name: string; def: FlagDef } | undefined {
  const entry = token.startsWith('--') ? Object.entries(defs).find(([n]) => n === token.slice(2)) : Object.entries(defs).find(([, d]) => d.char === token.slice(1));
  return entry ? { name: entry[0], def: entry[1] } : undefined;
}

function flagCandidates(defs: Record<string, FlagDef>): Candidate[] {
  const out: Candidate[] = [];
  for (const [name, d] of Object.entries(defs)) {
    if (d.hidden) continue;
    const description = (d.summary ?? d.description ?? '').split('\n')[0]!;
    out.push({ value: `--${name}`, description });
    if (d.allowNo) out.push({ value: `--no-${name}`, description });
    if (d.char) out.push({ value: `-${d.char}`, description });
  }
  return out;
}

/** The words that are arguments (not flags, not flag values). */
function positionals(words: readonly string[], defs: Record<string, FlagDef>): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      out.push(...words.slice(i + 1));
      break;
    }
    if (w.startsWith('-')) {
      const f = findFlag(defs, w.split('=')[0]!);
      if (f?.def.type === 'option' && !w.includes('=') && !(f.def.char && w.length > 2 && !w.startsWith('--'))) i++;
      continue;
    }
    out.push(w);
  }
  return out;
}

const silent = async <T>(p: Promise<T>, fallback: T): Promise<T> => {
  try {
    return await p;
  } catch {
    return fallback;
  }
};

async function flagValues(name: string, def: FlagDef, flags: LineFlags, names: Names): Promise<Completion> {
  const list = (values: string[]): Completion => ({ candidates: values.map((value) => ({ value })), directive: DIRECTIVE.noFileComp });
  if (def.options) return list([...def.options]);
  switch (name) {
    case 'namespace':
    case 'namespace-for-probe':
      return list(await silent(names.namespaces(), []));
    case 'context':
      return list(await silent(names.contexts(), []));
    case 'from-node':
    case 'local-node':
      return list(await silent(names.nodes(), []));
    case 'nodes':
      return list(['all', ...(await silent(names.nodes(), []))]);
    case 'kubeconfig':
    case 'snapshot':
    case 'file':
      return { candidates: [], directive: DIRECTIVE.default };
  }
  const help = Array.isArray(def.helpValue) ? def.helpValue.join('|') : (def.helpValue ?? '');
  if (name === 'output') {
    const formats = help.split('|').filter((v) => v && v !== 'FILE');
    const values = formats.map((f) => (f === 'jsonpath=TEMPLATE' ? 'jsonpath=' : f === 'jsonpath-as-json=TEMPLATE' ? 'jsonpath-as-json=' : f));
    // collect -o also takes a file name: let the shell offer files when no format matches.
    return { candidates: values.map((value) => ({ value })), directive: help.includes('FILE') ? DIRECTIVE.default : DIRECTIVE.noFileComp };
  }
  return { candidates: [], directive: DIRECTIVE.noFileComp };
}

async function argCandidates(id: string, position: number, current: string, flags: LineFlags, names: Names, commands: CommandTable): Promise<Completion> {
  const none: Completion = { candidates: [], directive: DIRECTIVE.noFileComp };
  if (id === 'help') return position === 0 ? { candidates: Object.keys(commands).map((value) => ({ value })).filter(byPrefix(current)), directive: DIRECTIVE.noFileComp } : none;
  if (id === 'completion') return position === 0 ? { candidates: ['bash', 'zsh', 'fish'].map((value) => ({ value })).filter(byPrefix(current)), directive: DIRECTIVE.noFileComp } : none;
  if (id !== 'trace' && id !== 'policy') return none;
  if (position > 1) return none;
  const candidates = position === 0 ? await sourceCandidates(current, flags, names) : await destinationCandidates(current, flags, names);
  return withOpenEnds({ candidates: candidates.filter(byPrefix(current)), directive: DIRECTIVE.noFileComp });
}

/** Candidates that all expect more (`svc/`, `svc/web:`, `jsonpath=`): no space after them. */
function withOpenEnds(c: Completion): Completion {
  const open = c.candidates.length > 0 && c.candidates.every((x) => /[/:=]$/.test(x.value));
  return open ? { ...c, directive: c.directive | DIRECTIVE.noSpace } : c;
}

async function sourceCandidates(current: string, flags: LineFlags, names: Names): Promise<Candidate[]> {
  if (current.startsWith('node/')) return (await silent(names.nodes(), [])).map((n) => ({ value: `node/${n}` }));
  const pods = await silent(names.pods(flags.namespace), []);
  const workload = WORKLOAD_PREFIXES.find((p) => current.startsWith(p));
  if (workload) {
    const owners = pods.flatMap((p) => (p.owner && OWNER_PREFIX[p.owner.kind] === workload ? [`${workload}${p.owner.name}`] : []));
    return [...new Set(owners)].map((value) => ({ value }));
  }
  if (current.startsWith('pod/')) return pods.map((p) => ({ value: `pod/${p.name}` }));
  const kinds = ['pod/', 'node/', ...WORKLOAD_PREFIXES, 'external:'].map((value) => ({ value }));
  return [...pods.map((p) => ({ value: p.name, description: 'pod' })), ...kinds];
}

async function destinationCandidates(current: string, flags: LineFlags, names: Names): Promise<Candidate[]> {
  const svc = /^(svc|service)\/([^:]*)(:.*)?$/.exec(current);
  if (svc) {
    const services = await silent(names.services(flags.namespace), []);
    if (svc[3] !== undefined) {
      const s = services.find((x) => x.name === svc[2]);
      return (s?.ports ?? []).flatMap((p) => [`${svc[1]}/${s!.name}:${p.port}`, ...(p.name ? [`${svc[1]}/${s!.name}:${p.name}`] : [])]).map((value) => ({ value }));
    }
    return services.flatMap((s) => [{ value: `${svc[1]}/${s.name}` }, ...(s.ports.length > 1 ? [{ value: `${svc[1]}/${s.name}:` }] : [])]);
  }
  if (current.startsWith('node/')) return (await silent(names.nodes(), [])).map((n) => ({ value: `node/${n}` }));
  const pods = await silent(names.pods(flags.namespace), []);
  if (current.startsWith('pod/')) return pods.map((p) => ({ value: `pod/${p.name}` }));
  return [...pods.map((p) => ({ value: p.name, description: 'pod' })), ...['svc/', 'pod/', 'node/', 'ingress/'].map((value) => ({ value }))];
}

/** The protocol's text: candidates, then `:directive`. */
export function formatCompletion(c: Completion): string {
  const lines = c.candidates.map((x) => (x.description ? `${x.value}\t${x.description.replace(/\s+/g, ' ')}` : x.value));
  return `${[...lines, `:${c.directive}`].join('\n')}\n`;
}
