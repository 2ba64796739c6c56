import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readSnapshotFile, writeSnapshotFile } from '../../src/cli/snapshot-file.js';
import { MAX_TEXT_BYTES } from '../../src/snapshot/limits.js';
import { GiB, zeroBomb } from '../snapshot/bombs.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { snapshotOf } from '../support/snapshot.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-snapfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const snap: Snapshot = snapshotOf({ capturedAt: '2026-11-22T10:00:00Z', objects: { nodes: [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } }] } });

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

describe('snapshot files: bounded reading', () => {
  it('refuses a device such as /dev/zero instead of reading it forever', () => {
    expect(() => readSnapshotFile('/dev/zero')).toThrow(/^cannot read snapshot \/dev\/zero: is a character device, not a regular file$/);
  });

  it('refuses a FIFO without a writer instead of waiting for one', () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => readSnapshotFile(fifo)).toThrow(/is a FIFO \(named pipe\), not a regular file/);
  });

  it('refuses a file larger than the limit without reading it', () => {
    const big = path.join(dir, 'big.json');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, MAX_TEXT_BYTES + 1); // sparse: no disk, no reading
    closeSync(fd);
    expect(() => readSnapshotFile(big)).toThrow(/^snapshot .*big\.json holds more than 512 MiB, the most kubectl-netx reads/);
  });

  it('stops inflating a gzip bomb at the limit (2 GiB of zeros in 2 MB)', () => {
    const bomb = path.join(dir, 'bomb.json.gz');
    writeFileSync(bomb, zeroBomb(2 * GiB));
    expect(() => readSnapshotFile(bomb)).toThrow(/^snapshot .*bomb\.json\.gz decompresses to more than 512 MiB, the most kubectl-netx reads/);
  });
});
