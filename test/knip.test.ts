/**
 * knip (knip.json) finds files nothing imports, exports nobody uses and dependencies package.json lists
 * that no file needs. Any finding fails the unit tests, so dead code is removed when it appears rather
 * than found later.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/corpus.js';

describe('knip', () => {
  it('reports no unused file, export, type or dependency', () => {
    const knip = path.join(REPO_ROOT, 'node_modules', 'knip', 'bin', 'knip.js');
    const r = spawnSync(process.execPath, [knip, '--no-progress', '--no-config-hints', '--reporter', 'compact'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.error).toBeUndefined();
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 150_000);
});
