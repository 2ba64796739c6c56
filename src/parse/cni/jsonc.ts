/** JSON with comments (the CNI spec's own example has `//` comments): blanks comments out, keeping every offset. */

/** Returns the text with comments replaced by spaces (newlines kept) and whether any comment was found. */
export function stripJsonComments(text: string): { text: string; hadComments: boolean } {
  const out = text.split('');
  let inString = false;
  let had = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '/' && text[i + 1] === '/') {
      had = true;
      while (i < text.length && text[i] !== '\n') out[i++] = ' ';
    } else if (c === '/' && text[i + 1] === '*') {
      had = true;
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (; i < stop; i++) if (text[i] !== '\n') out[i] = ' ';
      i--;
    }
  }
  return { text: out.join(''), hadComments: had };
}

const PLACEHOLDER = /__[A-Z][A-Z0-9_]*__/g;

/** `__NAME__` placeholders that install scripts substitute; bare (unquoted) ones are replaced by null to read the shape. */
export function findPlaceholders(text: string): { names: string[]; parseable: string } {
  const names = [...new Set(text.match(PLACEHOLDER) ?? [])];
  let inString = false;
  let parseable = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      parseable += c;
      if (c === '\\') parseable += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === '_' && text.startsWith('__', i)) {
      const m = /^__[A-Z][A-Z0-9_]*__/.exec(text.slice(i));
      if (m) {
        // Same length keeps error columns right: "null" padded with spaces.
        parseable += 'null'.padEnd(m[0].length, ' ');
        i += m[0].length - 1;
        continue;
      }
    }
    parseable += c;
  }
  return { names, parseable };
}
