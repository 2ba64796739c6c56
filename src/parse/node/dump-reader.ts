/**
 * Reading one node's dumps for the model: each dump decoded and parsed once, and for each one that could not be read,
 * why (not collected, failed, undecodable, unparseable). Warnings keep their historical codes; `failure` feeds gaps.ts.
 */
import { decodeDumpStdout } from '../../snapshot/dump-encoding.js';
import type { DumpKey, DumpResult, NodeCapture } from '../../snapshot/types.js';
import { ParseError, type ParseWarning } from '../../util/parse-error.js';
import type { DumpFailure } from '../../model/gaps.js';

export interface DumpReader {
  readonly node: string;
  readonly capture: NodeCapture;
  readonly warnings: ParseWarning[];
  /** Runs one parser over one dump; a failed, undecodable or unparseable dump gives undefined and a recorded failure. */
  run<T>(key: DumpKey, parse: (text: string, source: string) => T): T | undefined;
  /** The decoded text of a dump that exited 0 (without parsing it). */
  text(key: DumpKey): string | undefined;
  /** Why a dump was not read; undefined when it was read (or never asked for). */
  failure(key: DumpKey): DumpFailure | undefined;
  /** True when the dump was parsed. */
  read(key: DumpKey): boolean;
  /** Every failure recorded so far, by dump key. */
  failures(): Record<string, DumpFailure>;
}

export function dumpReader(node: string, capture: NodeCapture, warnings: ParseWarning[]): DumpReader {
  const failures = new Map<string, DumpFailure>();
  const done = new Set<string>();
  const texts = new Map<string, string | undefined>();
  const text = (key: DumpKey): string | undefined => {
    if (texts.has(key)) return texts.get(key);
    const t = decoded(key, capture.dumps[key]);
    texts.set(key, t);
    return t;
  };
  const decoded = (key: DumpKey, d: DumpResult | undefined): string | undefined => {
    if (!d) {
      const reason = notCollectedReason(key, capture);
      failures.set(key, { cause: 'not-collected', reason, why: reason });
      return undefined;
    }
    if (d.exitCode !== 0) {
      const reason = `${d.argv.join(' ')} exited ${d.exitCode}: ${firstLine(d.stderr) || 'no stderr'}`;
      warnings.push({ code: 'dump-failed', source: key, message: reason });
      failures.set(key, { cause: 'failed', reason, why: firstLine(d.stderr) || `exit code ${d.exitCode}`, command: d.argv.join(' ') || key });
      return undefined;
    }
    const out = decodeDumpStdout(d);
    if (out.kind === 'text') return out.text;
    warnings.push({ code: 'dump-undecodable', source: key, message: out.reason });
    failures.set(key, { cause: 'undecodable', reason: out.reason, why: out.reason });
    return undefined;
  };
  return {
    node,
    capture,
    warnings,
    text,
    failure: (key) => failures.get(key),
    read: (key) => done.has(key),
    failures: () => Object.fromEntries(failures),
    run<T>(key: DumpKey, parse: (t: string, source: string) => T): T | undefined {
      const t = text(key);
      if (t === undefined) return undefined;
      try {
        const out = parse(t, `${key} (node ${node})`);
        if (out !== undefined) done.add(key);
        return out;
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        warnings.push({ code: 'parse-error', source: key, message: e.message, line: e.line, path: e.path });
        failures.set(key, { cause: 'unparseable', reason: e.message, why: e.message });
        return undefined;
      }
    },
  };
}

/** The decoded text of one dump that ran and exited 0 (kube-proxy's answers, read as text); undefined otherwise. */
export const dumpTextOf = (capture: NodeCapture | undefined, key: DumpKey): string | undefined => (capture ? dumpReader('', capture, []).text(key) : undefined);

/** The probe's reason for a dump it could not take, when it recorded one. */
function notCollectedReason(key: DumpKey, capture: NodeCapture): string {
  const gap = capture.probe?.errors?.find((g) => g.what === key || g.what.split(/\s+/).includes(key));
  return gap ? gap.reason : 'not in the snapshot';
}

const firstLine = (s: string): string => s.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
