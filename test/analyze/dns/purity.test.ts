/** The DNS analysis is functional core: no file system, network, process or clock access in its sources. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/corpus.js';

const DIR = path.join(REPO_ROOT, 'src', 'analyze', 'dns');
const FORBIDDEN = [/from 'node:(fs|net|http|https|child_process|os|process)'/, /\bprocess\.(env|argv|stdout|stderr|exit)/, /Date\.now\(\)/, /new Date\(\)/, /from '\.\.\/\.\.\/(cluster|probe|cli)\//];

it.each(readdirSync(DIR).filter((f) => f.endsWith('.ts')))('%s does no I/O', (f) => {
  const text = readFileSync(path.join(DIR, f), 'utf8');
  for (const re of FORBIDDEN) expect(text, `${f} matches ${re}`).not.toMatch(re);
});
