/**
 * Analyses and renderers decide by kind, code and typed fields, never by reading the prose another part wrote: a
 * finding's message, a step's summary, verdict or rule text or a branch's reason can be reworded without changing any
 * decision (a step's `action`, `target` and `dst` say the same as data).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../support/corpus.js';

const PROSE = '(message|summary|reason|verdict|rule)';
/** `/…/.test(x.message)`, `x.summary.match(…)`, `x.reason.includes(…)`, `.startsWith`/`.endsWith`/`.search`/`.indexOf`. */
const READS = [
  new RegExp(`\\.(test|exec)\\(\\s*[\\w.?!]*\\.${PROSE}\\s*(\\?\\?\\s*'[^']*'\\s*)?\\)`),
  new RegExp(`\\.${PROSE}\\??\\.(match|matchAll|includes|startsWith|endsWith|search|indexOf|slice)\\(`),
  new RegExp(`\\.${PROSE}\\s*[!=]==?\\s*'`),
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const SOURCES = ['analyze', 'render'].flatMap((d) => files(path.join(REPO_ROOT, 'src', d)));

it.each(SOURCES.map((f) => path.relative(REPO_ROOT, f)))('%s decides nothing by reading message, summary, reason, verdict or rule text', (f) => {
  const lines = readFileSync(path.join(REPO_ROOT, f), 'utf8').split('\n');
  const hits = lines.map((l, i) => ({ l, i })).filter(({ l }) => READS.some((re) => re.test(l)));
  expect(hits.map(({ l, i }) => `${f}:${i + 1}: ${l.trim()}`)).toEqual([]);
});
