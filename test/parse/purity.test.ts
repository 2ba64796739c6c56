import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/corpus.js';

/** Parsers and the node-model builder are pure: no I/O modules, no process access, no clock. */
const FORBIDDEN = [/from 'node:(fs|net|http|https|child_process|os|process|dgram|dns)'/, /\bprocess\.(env|argv|stdout|stderr|exit|cwd)/, /Date\.now\(\)/, /new Date\(/, /from '(\.\.\/)+(cluster|probe|cli|commands)\//];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) return f === 'netfilter' ? [] : files(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('src/parse (except netfilter/) and the node-model builder are pure', () => {
  const sources = files(path.join(REPO_ROOT, 'src', 'parse'));
  it.each(sources.map((f) => path.relative(REPO_ROOT, f)))('%s', (rel) => {
    const text = readFileSync(path.join(REPO_ROOT, rel), 'utf8');
    for (const re of FORBIDDEN) expect(text, `${rel} matches ${re}`).not.toMatch(re);
  });
});
