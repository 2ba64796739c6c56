/** Small helpers shared by the line-oriented parsers. */
import { ParseError } from '../util/parse-error.js';
import { jsonErrorOffset } from './json-position.js';

/** Splits into lines, dropping a trailing `\r` (dumps pasted from Windows terminals). */
export function splitLines(text: string): string[] {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastBreak = -1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  return { line, column: offset - lastBreak };
}

/** True when the first non-blank character opens a JSON document. */
export function looksLikeJson(text: string): boolean {
  const m = /\S/.exec(text);
  return m !== null && (m[0] === '[' || m[0] === '{');
}

/** JSON.parse that fails with a ParseError pointing at the line and column the engine reported. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    // V8's message quotes the whole input for some errors: keep only its first line, and locate the error ourselves.
    const msg = (e instanceof Error ? e.message : String(e)).replace(/, ".*$/s, '').split('\n')[0] ?? 'syntax error';
    const where = lineColumn(text, jsonErrorOffset(text) ?? text.length);
    throw new ParseError(source, `invalid JSON: ${msg}`, where.line, where.column);
  }
}

/** Parses a decimal integer token fully, or returns undefined. */
export function toInt(token: string | undefined): number | undefined {
  if (token === undefined || !/^-?\d+$/.test(token)) return undefined;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Whitespace-separated tokens with their 1-based start columns. */
export function tokenize(line: string): { text: string; column: number }[] {
  const out: { text: string; column: number }[] = [];
  const re = /\S+/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) out.push({ text: m[0], column: m.index + 1 });
  return out;
}
