/**
 * Credentials out of what `collect` captures: snapshots are made to be shared (attached to a ticket,
 * sent to a vendor), and node files and kube-system ConfigMaps can hold a service-account token
 * (Calico's rendered conflist once carried `k8s_auth_token`), client keys, certificates or
 * passwords. Text keeps its shape (JSON stays JSON, YAML stays YAML, line numbers stay) so the
 * parsers read a redacted file exactly like the original; every value taken out is recorded.
 */

import type { Redaction, RedactionKind } from './types.js';

export type { Redaction };

/** Rules version, recorded in `source.redaction` so a reader knows what an empty list means. */
export const REDACTION_RULES = 1;

/** What replaces a value: no quote, colon or backslash, so JSON, YAML and flags stay valid. */
const marker = (kind: RedactionKind): string => `<redacted-${kind}>`;

const PEM = /-----BEGIN ([A-Z0-9 ]{1,40})-----[\s\S]*?-----END \1-----/g;
/** A PEM block encoded in base64 (kubeconfig `*-data` fields, Secret-like ConfigMap values). */
const PEM_B64 = /LS0tLS1CRUdJTi[A-Za-z0-9+/]{16,}={0,2}/g;
/** A JSON Web Token (service-account tokens, OIDC id tokens): three base64url parts, header and payload JSON. */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;

/**
 * Keys whose value is a credential, by the last word of the key (`k8s_auth_token`, `client-key-data`,
 * `etcdPassword`). Keys naming where a credential lives (`tokenFile`, `client-key`: a path) are
 * not matched here; their values are paths, which the value check leaves alone anyway.
 */
const KEY_KINDS: [RegExp, RedactionKind][] = [
  [/(?:^|[-_.])(?:client[-_]?key[-_]?data|private[-_]?key)$|privateKey$/i, 'private-key'],
  [/(?:^|[-_.])(?:client[-_]?certificate[-_]?data|certificate[-_]?authority[-_]?data)$/i, 'certificate'],
  [/(?:^|[-_.])(?:pass(?:word|wd)?)$|[a-z]Password$|^password$/i, 'password'],
  [/(?:^|[-_.])(?:token|bearer|bearer[-_]?token|auth[-_]?token|access[-_]?token|refresh[-_]?token|id[-_]?token)$|[a-z]Token$/i, 'token'],
  [/(?:^|[-_.])(?:secret|client[-_]?secret|api[-_]?key|access[-_]?key|secret[-_]?key|credentials?)$|[a-z](?:Secret|ApiKey|AccessKey|SecretKey)$/i, 'credential'],
];

function keyKind(key: string): RedactionKind | undefined {
  return KEY_KINDS.find(([re]) => re.test(key))?.[1];
}

/** A value that is no secret although its key says credential: empty, a path, a placeholder, already masked. */
function harmless(value: string): boolean {
  const v = value.trim();
  return v === '' || v.startsWith('/') || /^__[A-Z0-9_]+__$/.test(v) || /^\$\{?[A-Za-z_]/.test(v) || /^<redacted-/.test(v) || /^(true|false|null|~)$/.test(v);
}

/** JSON `"key": "value"`. */
const JSON_PAIR = /"([^"\\\n]{1,80})"(\s*:\s*)"((?:[^"\\\n]|\\.)*)"/g;
/** YAML / INI / env `key: value`, `key = value`, `key=value` on one line (value optionally quoted). */
const LINE_PAIR = /^([ \t]*(?:-[ \t]+)?)([A-Za-z0-9_.-]{1,80})([ \t]*[:=][ \t]*)(["']?)([^"'\s#][^"'\n]*?)\4([ \t]*)$/gm;
/** Command-line flags `--token=value`, `--password value`. */
const FLAG_PAIR = /(--([A-Za-z0-9][A-Za-z0-9_-]{0,60})(?:=|[ \t]+|\n))([^\s"']+)/g;

const pemKind = (label: string): RedactionKind => (/PRIVATE KEY/.test(label) ? 'private-key' : /CERTIFICATE/.test(label) ? 'certificate' : 'credential');

/** The kind of a base64 PEM by the label it decodes to. */
function pemB64Kind(b64: string): RedactionKind {
  const head = Buffer.from(b64.slice(0, 64), 'base64').toString('latin1');
  return pemKind(/-----BEGIN ([A-Z0-9 ]+)-----/.exec(head)?.[1] ?? '');
}

/** A stretch of the original text to replace with a marker. */
interface Span {
  start: number;
  end: number;
  kind: RedactionKind;
  what: string;
}

/** Spans of every rule, in priority order: whole PEM blocks, values by key, token-shaped values anywhere. */
function* spans(text: string): Generator<Span> {
  for (const m of text.matchAll(PEM)) yield { start: m.index, end: m.index + m[0].length, kind: pemKind(m[1]!), what: `PEM ${m[1]!.trim()}` };
  for (const m of text.matchAll(JSON_PAIR)) {
    const [all, key, , value] = m as unknown as [string, string, string, string];
    const kind = keyKind(key);
    if (kind && !harmless(value)) yield { start: m.index + all.length - value.length - 1, end: m.index + all.length - 1, kind, what: key };
  }
  for (const m of text.matchAll(LINE_PAIR)) {
    const [, lead, key, sep, quote, value] = m as unknown as [string, string, string, string, string, string];
    const kind = keyKind(key);
    if (!kind || harmless(value) || /^[{[|>]/.test(value)) continue;
    const start = m.index + lead.length + key.length + sep.length + quote.length;
    yield { start, end: start + value.length, kind, what: key };
  }
  for (const m of text.matchAll(FLAG_PAIR)) {
    const [, flag, key, value] = m as unknown as [string, string, string, string];
    const kind = keyKind(key);
    if (kind && !harmless(value)) yield { start: m.index + flag.length, end: m.index + flag.length + value.length, kind, what: `--${key}` };
  }
  for (const m of text.matchAll(PEM_B64)) yield { start: m.index, end: m.index + m[0].length, kind: pemB64Kind(m[0]), what: 'base64 PEM' };
  for (const m of text.matchAll(JWT)) yield { start: m.index, end: m.index + m[0].length, kind: 'token', what: 'JWT' };
}

/** 1-based line of each offset, in one pass over the text. */
function linesOf(text: string, offsets: number[]): number[] {
  const sorted = [...offsets].sort((a, b) => a - b);
  const line = new Map<number, number>();
  let n = 1;
  let i = 0;
  for (const o of sorted) {
    for (; i < o && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
    line.set(o, n);
  }
  return offsets.map((o) => line.get(o) ?? n);
}

/**
 * Masks credentials in `text` (any format) and says where (lines of the original text). A span
 * that overlaps one of a higher-priority rule is dropped: a JWT inside `"token": "…"` is one finding.
 */
export function redactText(text: string, source: string): { text: string; redactions: Redaction[] } {
  const kept: Span[] = [];
  for (const s of spans(text)) if (!kept.some((k) => s.start < k.end && k.start < s.end)) kept.push(s);
  if (kept.length === 0) return { text, redactions: [] };
  kept.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const s of kept) {
    out += text.slice(at, s.start) + marker(s.kind);
    at = s.end;
  }
  out += text.slice(at);
  const lines = linesOf(text, kept.map((s) => s.start));
  return { text: out, redactions: kept.map((s, i) => ({ source, kind: s.kind, at: `line ${lines[i]}: ${s.what}` })) };
}

/**
 * A command line, one argument each (the kubelet's /proc cmdline, a container's args): `--flag=value`
 * and `--flag value` whose flag names a credential lose the whole value, spaces included.
 */
export function redactArgs(args: readonly string[], source: string): { args: string[]; redactions: Redaction[] } {
  const out = [...args];
  const redactions: Redaction[] = [];
  const mask = (i: number, kind: RedactionKind, flag: string, value: string, prefix: string): void => {
    if (harmless(value)) return;
    out[i] = `${prefix}${marker(kind)}`;
    redactions.push({ source, kind, at: `argument ${i + 1}: --${flag}` });
  };
  for (let i = 0; i < args.length; i++) {
    const m = /^--?([A-Za-z0-9][A-Za-z0-9_.-]*)(?:=([\s\S]*))?$/.exec(args[i]!);
    const kind = m ? keyKind(m[1]!) : undefined;
    if (!m || !kind) continue;
    if (m[2] !== undefined) mask(i, kind, m[1]!, m[2], args[i]!.slice(0, args[i]!.length - m[2].length));
    else if (i + 1 < args.length && !args[i + 1]!.startsWith('-')) mask(++i, kind, m[1]!, args[i]!, '');
  }
  // Values that are credentials whatever flag carries them (a PEM, a JWT): the text rules, per argument.
  for (let i = 0; i < out.length; i++) {
    const r = redactText(out[i]!, source);
    if (r.redactions.length === 0) continue;
    out[i] = r.text;
    redactions.push(...r.redactions.map((x) => ({ ...x, at: `argument ${i + 1}: ${x.at.replace(/^line \d+: /, '')}` })));
  }
  return { args: out, redactions };
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const asList = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(asObj).filter((o): o is Obj => o !== undefined) : []);

/** `ConfigMap kube-system/x`. */
const label = (kind: string, o: Obj): string => {
  const m = asObj(o.metadata);
  return `${kind} ${m?.namespace ? `${String(m.namespace)}/` : ''}${String(m?.name ?? '')}`;
};

/** ConfigMap values: text masked in place; binary values are never read by netx and are not kept. */
function redactConfigMap(cm: Obj, out: Redaction[]): void {
  const what = label('ConfigMap', cm);
  const data = asObj(cm.data);
  for (const [key, value] of Object.entries(data ?? {})) {
    if (typeof value !== 'string') continue;
    const r = redactText(value, `${what} data.${key}`);
    if (r.redactions.length) data![key] = r.text;
    out.push(...r.redactions);
  }
  const binary = asObj(cm.binaryData);
  for (const key of Object.keys(binary ?? {})) {
    binary![key] = marker('file');
    out.push({ source: `${what} binaryData.${key}`, kind: 'file', at: 'not kept: binary data, never read by netx' });
  }
}

/** Containers of a pod spec: env values whose name or content is a credential, credential flags in command and args. */
function redactPodSpec(spec: Obj | undefined, what: string, out: Redaction[]): void {
  for (const c of [...asList(spec?.containers), ...asList(spec?.initContainers)]) {
    const where = `${what} container ${String(c.name ?? '')}`;
    for (const e of asList(c.env)) {
      if (typeof e.value !== 'string') continue;
      const byName = keyKind(String(e.name ?? ''));
      if (byName && !harmless(e.value)) {
        e.value = marker(byName);
        out.push({ source: where, kind: byName, at: `env ${String(e.name)}` });
        continue;
      }
      const r = redactText(e.value, where);
      if (r.redactions.length) e.value = r.text;
      out.push(...r.redactions.map((x) => ({ ...x, at: `env ${String(e.name)}: ${x.at.replace(/^line \d+: /, '')}` })));
    }
    for (const field of ['command', 'args'] as const) {
      const list = c[field];
      if (!Array.isArray(list) || !list.every((a) => typeof a === 'string')) continue;
      const r = redactArgs(list as string[], where);
      if (r.redactions.length) c[field] = r.args;
      out.push(...r.redactions.map((x) => ({ ...x, at: `${field} ${x.at}` })));
    }
  }
}

/**
 * Masks credentials in captured API objects, in place (they are collect's own copies): ConfigMap
 * values, and the env, command and args of pod and DaemonSet containers. Other objects hold no
 * free text netx keeps (Secrets are never read).
 */
export function redactObjects(objects: Partial<Record<string, unknown[]>>): Redaction[] {
  const out: Redaction[] = [];
  for (const cm of (objects.configmaps ?? []).map(asObj)) if (cm) redactConfigMap(cm, out);
  for (const pod of (objects.pods ?? []).map(asObj)) if (pod) redactPodSpec(asObj(pod.spec), label('Pod', pod), out);
  for (const ds of (objects.daemonsets ?? []).map(asObj)) if (ds) redactPodSpec(asObj(asObj(asObj(ds.spec)?.template)?.spec), label('DaemonSet', ds), out);
  return out;
}
