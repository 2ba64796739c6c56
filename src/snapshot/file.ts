/**
 * The only file access of snapshot/: read a snapshot file (plain or gzip-compressed JSON) and write
 * one. Everything about the format itself lives in the pure snapshot/io.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { UserError } from '../util/errors.js';
import { parseSnapshot, serializeSnapshot } from './io.js';
import type { Snapshot } from './types.js';

const GZIP_MAGIC = [0x1f, 0x8b];

/** Reads and validates a snapshot; `-` reads stdin. Gzip is recognised by content, not by name. */
export function readSnapshotFile(path: string): Snapshot {
  const source = path === '-' ? 'stdin' : path;
  // The bytes become garbage as soon as they are text: on a big capture that is tens of MB.
  return parseSnapshot(readText(path, source), source);
}

/** The file's text (gunzipped when it is gzip). */
function readText(path: string, source: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path === '-' ? 0 : path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new UserError(`cannot read snapshot ${source}: ${why}`, { code: 'snapshot', cause: e });
  }
  if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new UserError(`${source} looks gzip-compressed but cannot be decompressed: ${(e as Error).message}`, { code: 'snapshot', cause: e });
    }
  }
  return bytes.toString('utf8');
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
