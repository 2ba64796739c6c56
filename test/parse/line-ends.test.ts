/**
 * A dump with Windows line ends (a capture saved or pasted through another tool) reads as the same dump: every text
 * fixture and corpus file (some come with CRLF already) gives the same value and warnings with CRLF as with LF.
 */
import { describe, expect, it } from 'vitest';
import { outcome, readers } from './readers.js';

const isJson = (t: string): boolean => /^\s*[[{]/.test(t);

describe('every text dump reads the same with CRLF line ends', () => {
  for (const r of readers().filter((x) => !isJson(x.text()))) {
    it(r.name, () => {
      const text = r.text();
      const lf = text.replace(/\r\n/g, '\n');
      expect(outcome(() => r.parse(lf.replace(/\n/g, '\r\n'), r.file))).toBe(outcome(() => r.parse(lf, r.file)));
    });
  }
});
