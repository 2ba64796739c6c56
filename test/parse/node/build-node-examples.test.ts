import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { REPO_ROOT } from '../../support/corpus.js';

/** The bundled demo snapshots are lab dumps made by the probe's command catalogue: every dump must parse. */
const dir = path.join(REPO_ROOT, 'examples');
const snapshots = readdirSync(dir).filter((f) => f.endsWith('.snapshot.json'));

describe('buildNodeModel on the lab snapshots in examples/', () => {
  it('has snapshots to read', () => expect(snapshots.length).toBeGreaterThan(0));
  it.each(snapshots)('%s: every collected dump parses', (file) => {
    const s = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Snapshot;
    for (const [name, capture] of Object.entries(s.nodes)) {
      const m = buildNodeModel(name, capture);
      // Expected notes only: `iptables` and `iptables-nft` hold the same tables (read once); dumps the lab does not take.
      const unexpected = m.warnings.filter((w) => !['same-as-specific-dump', 'dump-failed', 'not-collected'].includes(w.code));
      expect(unexpected, `${file} ${name}`).toEqual([]);
      for (const [key, d] of Object.entries(capture.dumps)) if (d?.exitCode === 0) expect(m.have[key], `${file} ${name} ${key}`).toBe(true);
      expect(m.links.length).toBeGreaterThan(0);
      expect(m.routes.length).toBeGreaterThan(0);
    }
  });
});
