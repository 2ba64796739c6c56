/**
 * Splits one iptables-save line into words the way iptables-restore does: blanks separate words, double
 * quotes group (iptables-save quotes comments and escapes `"` and `\` inside them with a backslash).
 */
import { ParseError } from '../../util/parse-error.js';

export interface Token {
  /** The word with quotes and escapes removed. */
  value: string;
  /** True when any part of the word was quoted: `"--x"` is a value, never an option. */
  quoted: boolean;
  /** 0-based offsets of the raw word in the line (end exclusive). */
  start: number;
  end: number;
}

/** Tokenises `line`; an unterminated quote is a ParseError at the quote's column. */
export function tokenize(line: string, source: string, lineNo: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isBlank(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    // Fast path: a plain word (no quote, no backslash) is one slice of the line.
    let j = i;
    let plain = true;
    while (j < n) {
      const c = line.charCodeAt(j);
      if (c === 32 || c === 9) break;
      if (c === 34 || c === 92) {
        plain = false;
        break;
      }
      j++;
    }
    if (plain) {
      tokens.push({ value: line.slice(i, j), quoted: false, start, end: j });
      i = j;
      continue;
    }
    // Fast path: a whole word in quotes with no escape inside (every kube-proxy comment) is one slice too;
    // building it character by character makes a rope of one-character concatenations.
    if (j === i && line.charCodeAt(i) === 34) {
      let k = i + 1;
      while (k < n) {
        const c = line.charCodeAt(k);
        if (c === 34 || c === 92) break;
        k++;
      }
      const after = k + 1 < n ? line.charCodeAt(k + 1) : 32;
      if (k < n && line.charCodeAt(k) === 34 && (after === 32 || after === 9)) {
        tokens.push({ value: line.slice(i + 1, k), quoted: true, start, end: k + 1 });
        i = k + 1;
        continue;
      }
    }
    let value = '';
    let quoted = false;
    while (i < n && !isBlank(line.charCodeAt(i))) {
      const c = line[i];
      if (c === '"') {
        quoted = true;
        const open = i;
        i++;
        while (i < n && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < n) i++;
          value += line[i];
          i++;
        }
        if (i >= n) throw new ParseError(source, 'unterminated double quote', lineNo, open + 1);
        i++;
      } else if (c === '\\' && i + 1 < n) {
        value += line[i + 1];
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    tokens.push({ value, quoted, start, end: i });
  }
  return tokens;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}
