/**
 * Snapshot files: read one (plain or gzip-compressed JSON) and write one. The shell does the file access;
 * everything about the format itself lives in the pure snapshot/io.ts.
 *
 * Reading is bounded: only a regular file or stdin is read (a FIFO without a writer would block, a
 * device such as /dev/zero never ends), and no more than MAX_SNAPSHOT_BYTES are read or inflated.
 */
import { closeSync, constants, fstatSync, openSync, readSync, writeFileSync, type Stats } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { UserError } from '../util/errors.js';
import { parseSnapshot, serializeSnapshot } from '../snapshot/io.js';
import { MAX_TEXT_BYTES, sizeText } from '../snapshot/limits.js';
import type { Snapshot } from '../snapshot/types.js';

const GZIP_MAGIC = [0x1f, 0x8b];
const CHUNK = 1 << 20;

/** Reads and validates a snapshot; `-` reads stdin. Gzip is recognised by content, not by name. */
export function readSnapshotFile(path: string): Snapshot {
  const source = path === '-' ? 'stdin' : path;
  // The bytes become garbage as soon as they are text: on a big capture that is tens of MB.
  return parseSnapshot(readText(path, source), source);
}

/** The file's text (gunzipped when it is gzip), at most MAX_TEXT_BYTES of it. */
function readText(path: string, source: string): string {
  const bytes = path === '-' ? readAll(0, source) : readRegularFile(path, source);
  if (bytes[0] !== GZIP_MAGIC[0] || bytes[1] !== GZIP_MAGIC[1]) return bytes.toString('utf8');
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_TEXT_BYTES }).toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooBig(source, 'decompresses to');
    throw new UserError(`${source} looks gzip-compressed but cannot be decompressed: ${(e as Error).message}`, { code: 'snapshot', cause: e });
  }
}

/** Opens without blocking (a FIFO without a writer), then refuses anything but a regular file. */
function readRegularFile(path: string, source: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw cannotRead(source, e);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new UserError(`cannot read snapshot ${source}: ${whatItIs(stat)}, not a regular file`, {
        code: 'snapshot',
        hint: 'give a snapshot file written by kubectl netx collect -o FILE, or pipe one in with --snapshot -',
      });
    }
    if (stat.size > MAX_TEXT_BYTES) throw tooBig(source, 'holds');
    return readAll(fd, source, stat.size);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads `fd` to its end, failing as soon as it passes MAX_TEXT_BYTES: never more than the limit
 * (plus one chunk) is held, whatever the input. `size`: what fstat said, read in one piece (no copy).
 */
function readAll(fd: number, source: string, size = 0): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    // The file's known size first, then chunks for whatever follows (a file still being written).
    const chunk = Buffer.allocUnsafe(total === 0 && size > 0 ? size : CHUNK);
    const n = readChunk(fd, chunk, source);
    if (n === 0) break;
    total += n;
    if (total > MAX_TEXT_BYTES) throw tooBig(source, 'holds');
    chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/** One read; a non-blocking stdin (a pipe whose writer is slow) is waited for, not treated as its end. */
function readChunk(fd: number, into: Buffer, source: string): number {
  for (;;) {
    try {
      return readSync(fd, into, 0, into.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      else if (code === 'EOF') return 0;
      else throw cannotRead(source, e);
    }
  }
}

function tooBig(source: string, verb: 'holds' | 'decompresses to'): UserError {
  return new UserError(`snapshot ${source} ${verb} more than ${sizeText(MAX_TEXT_BYTES)}, the most kubectl-netx reads (see docs/snapshot.md, "Limits")`, {
    code: 'snapshot',
    hint: 'a capture of a real cluster stays well below it: check that this is a snapshot written by kubectl netx collect; for a very large cluster, collect one namespace (-n) at a time',
  });
}

function cannotRead(source: string, e: unknown): UserError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
  return new UserError(`cannot read snapshot ${source}: ${why}`, { code: 'snapshot', cause: e });
}

function whatItIs(s: Stats): string {
  if (s.isDirectory()) return 'is a directory';
  if (s.isFIFO()) return 'is a FIFO (named pipe)';
  if (s.isCharacterDevice()) return 'is a character device';
  if (s.isBlockDevice()) return 'is a block device';
  if (s.isSocket()) return 'is a socket';
  return 'is not a file';
}

/** Writes a snapshot; a name ending in `.gz` is gzip-compressed. */
export function writeSnapshotFile(path: string, snapshot: Snapshot): void {
  const text = serializeSnapshot(snapshot);
  try {
    writeFileSync(path, path.endsWith('.gz') ? gzipSync(text) : text);
  } catch (e) {
    throw new UserError(`cannot write snapshot ${path}: ${(e as Error).message}`, { cause: e });
  }
}
