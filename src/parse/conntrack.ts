/** `conntrack -L` (also `-o extended`, and pastes that include the tool's summary line) → ConntrackEntry[]. */
import type { ConntrackEntry, ConntrackTuple } from '../model/conntrack.js';
import { ParseError, type ParseWarning } from '../util/parse-error.js';
import { isIp } from '../util/addr.js';
import type { Parsed, SourceOpts } from './parsed.js';
import { splitLines, tokenize, toInt } from './text.js';

export interface ConntrackDump {
  entries: ConntrackEntry[];
  /** Lines that are no entry netx can read, kept verbatim: a bad line costs that line, not the table. */
  skipped?: { line: number; text: string; reason: string }[];
  /** N from "conntrack v1.4.x (conntrack-tools): N flow entries have been shown." when the paste contains it. */
  reportedCount?: number;
}

const SUMMARY = /^conntrack v[\d.]+ \(conntrack-tools\): (\d+) flow entries have been shown\.$/;
const L3 = new Set(['ipv4', 'ipv6']);
const EVENT = /^\[(NEW|UPDATE|DESTROY)\]$/;
const TUPLE_KEYS = new Set(['src', 'dst', 'sport', 'dport', 'type', 'code', 'id']);
/** Keys kept on the entry; other `key=value` items (secctx, labels, timestamps, delta-time) are accepted and ignored. */
const IGNORED_KEYS = new Set(['secctx', 'labels', 'delta-time', 'timestamp', 'packets', 'bytes', 'helper', 'orig-zone', 'reply-zone']);

/** Parses the whole dump; the summary line may appear anywhere (it is stderr interleaved with stdout). */
export function parseConntrack(text: string, opts: SourceOpts): Parsed<ConntrackDump> {
  const out: ConntrackDump = { entries: [] };
  const warnings: ParseWarning[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (s === '') return;
    const sum = SUMMARY.exec(s);
    if (sum) {
      out.reportedCount = Number(sum[1]);
      return;
    }
    try {
      out.entries.push(parseEntry(raw, line, opts.source, warnings));
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      (out.skipped ??= []).push({ line, text: s, reason: e.brief });
      warnings.push({ code: 'skipped-line', message: `line skipped: ${e.brief}`, line });
    }
  });
  if (out.entries.length === 0 && out.skipped?.length) throw new ParseError(opts.source, `no line is a conntrack entry (first: ${out.skipped[0]!.reason})`, out.skipped[0]!.line);
  if (out.reportedCount !== undefined && out.reportedCount !== out.entries.length)
    warnings.push({ code: 'count-mismatch', message: `conntrack reported ${out.reportedCount} entries but ${out.entries.length} are in the dump (filtered or truncated paste)` });
  return { value: out, warnings };
}

function parseEntry(raw: string, line: number, source: string, warnings: ParseWarning[]): ConntrackEntry {
  const toks = tokenize(raw);
  const fail = (msg: string, col: number): never => {
    throw new ParseError(source, msg, line, col);
  };
  let k = 0;
  if (toks[k] && EVENT.test(toks[k]!.text)) k++;
  let l3: 'ipv4' | 'ipv6' | undefined;
  if (toks[k] && L3.has(toks[k]!.text)) {
    l3 = toks[k]!.text as 'ipv4' | 'ipv6';
    k += 2; // name and number (ipv4 2 / ipv6 10)
  }
  const proto = toks[k] ?? fail('empty conntrack entry', 1);
  if (!/^[a-z][a-z0-9-]*$/.test(proto.text)) fail(`expected a protocol name, got "${proto.text}"`, proto.column);
  const protoNum = toks[k + 1];
  if (toInt(protoNum?.text) === undefined) fail('expected the protocol number after the name', (protoNum ?? proto).column);
  k += 2;
  const entry: ConntrackEntry = { l3: l3 ?? 'ipv4', protocol: proto.text === 'unknown' ? String(protoNum!.text) : proto.text, original: { src: '', dst: '' }, reply: { src: '', dst: '' }, flags: [], line };
  const timeout = toInt(toks[k]?.text);
  if (timeout !== undefined) {
    entry.timeout = timeout;
    k++;
  }
  if (toks[k] && /^[A-Z][A-Z0-9_]*$/.test(toks[k]!.text)) entry.state = toks[k++]!.text;
  let tuple: 'original' | 'reply' | 'done' = 'original';
  const seen = { original: new Set<string>(), reply: new Set<string>() };
  for (; k < toks.length; k++) {
    const t = toks[k]!;
    const flag = /^\[([A-Z_]+)\]$/.exec(t.text);
    if (flag) {
      entry.flags.push(flag[1]!);
      continue;
    }
    const eq = t.text.indexOf('=');
    if (eq <= 0) fail(`unexpected "${t.text}"`, t.column);
    const key = t.text.slice(0, eq);
    const val = t.text.slice(eq + 1);
    if (TUPLE_KEYS.has(key) && tuple !== 'done') {
      if (seen[tuple].has(key)) {
        if (tuple === 'original' && key === 'src') tuple = 'reply';
        else fail(`"${key}" twice in one tuple`, t.column);
      }
      seen[tuple].add(key);
      setTupleField(entry[tuple], key, val, () => fail(`bad value for ${key}: "${val}"`, t.column + eq + 1));
      continue;
    }
    if (key === 'mark' || key === 'zone' || key === 'use') {
      const n = toInt(val) ?? fail(`"${key}" needs a number`, t.column + eq + 1);
      entry[key] = n;
      if (tuple === 'reply') tuple = 'done';
      continue;
    }
    if (!IGNORED_KEYS.has(key)) warnings.push({ code: 'unknown-field', message: `conntrack field "${key}" is not interpreted`, line });
  }
  for (const side of ['original', 'reply'] as const) {
    if (!entry[side].src || !entry[side].dst) fail(`the ${side} tuple has no src/dst`, toks[0]!.column);
  }
  if (entry.original.src.includes(':')) entry.l3 = 'ipv6';
  return entry;
}

function setTupleField(t: ConntrackTuple, key: string, val: string, bad: () => never): void {
  if (key === 'src' || key === 'dst') {
    if (!isIp(val)) bad();
    t[key] = val;
    return;
  }
  const n = toInt(val);
  if (n === undefined || n < 0 || n > 65535) bad();
  if (key === 'sport' || key === 'dport') t[key] = n;
  else {
    t.icmp ??= { type: 0, code: 0 };
    t.icmp[key as 'type' | 'code' | 'id'] = n;
  }
}
