import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readSnapshotFile, writeSnapshotFile } from '../../src/snapshot/file.js';
import type { Snapshot } from '../../src/snapshot/types.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-snapfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const snap: Snapshot = {
  kind: 'NetxSnapshot',
  version: 1,
  capturedAt: '2026-11-22T10:00:00Z',
  source: { type: 'synthetic' },
  cluster: { objects: { nodes: [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } }] } },
  nodes: {},
};

describe('snapshot files', () => {
  it('writes plain JSON and reads it back', () => {
    const p = path.join(dir, 's.json');
    writeSnapshotFile(p, snap);
    expect(JSON.parse(readFileSync(p, 'utf8'))).toEqual(snap);
    expect(readSnapshotFile(p)).toEqual(snap);
  });

  it('writes .json.gz compressed and reads gzip by content whatever the name', () => {
    const p = path.join(dir, 's.json.gz');
    writeSnapshotFile(p, snap);
    expect(readFileSync(p).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(readSnapshotFile(p)).toEqual(snap);
    const odd = path.join(dir, 'odd-name.json');
    writeFileSync(odd, gzipSync(JSON.stringify(snap)));
    expect(readSnapshotFile(odd)).toEqual(snap);
  });

  it('says clearly when a file is missing, a directory, or broken gzip', () => {
    expect(() => readSnapshotFile(path.join(dir, 'nope.json'))).toThrow(/cannot read snapshot .*nope.json: no such file/);
    expect(() => readSnapshotFile(dir)).toThrow(/is a directory/);
    const bad = path.join(dir, 'bad.gz');
    writeFileSync(bad, Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    expect(() => readSnapshotFile(bad)).toThrow(/looks gzip-compressed but cannot be decompressed/);
  });
});
