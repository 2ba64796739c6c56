/**
 * Gzip bombs for the input-limit tests: `bytes` of zeros as gzip members of 64 MiB each (gzip readers
 * inflate concatenated members as one stream), so a 2 GiB bomb is about 2 MB and costs no 2 GiB to make.
 */
import { gzipSync } from 'node:zlib';

const MEMBER = 64 * 1024 * 1024;
let member: Buffer | undefined;

export function zeroBomb(bytes: number): Buffer {
  member ??= gzipSync(Buffer.alloc(MEMBER), { level: 9 });
  return Buffer.concat(Array.from({ length: Math.ceil(bytes / MEMBER) }, () => member!));
}

export const GiB = 1024 * 1024 * 1024;
