/**
 * Where a JSON text first goes wrong. V8 gives a position for some syntax errors ("... at position 12 (line 2
 * column 3)") but not for others ("Unexpected token '}'"), so this small validator finds the offset itself.
 */

/** Offset of the first syntax error, or undefined when the text is valid JSON. */
export function jsonErrorOffset(text: string): number | undefined {
  const s = new Scanner(text);
  try {
    s.ws();
    s.value(0);
    s.ws();
    if (s.i < text.length) return s.i;
    return undefined;
  } catch (e) {
    if (e instanceof SyntaxAt) return e.offset;
    return text.length; // stack exhausted on absurd nesting: no better position
  }
}

class SyntaxAt {
  constructor(readonly offset: number) {}
}

const MAX_DEPTH = 5000;

class Scanner {
  i = 0;
  constructor(private readonly t: string) {}

  fail(): never {
    throw new SyntaxAt(this.i);
  }

  ws(): void {
    while (this.i < this.t.length && ' \t\n\r'.includes(this.t[this.i]!)) this.i++;
  }

  value(depth: number): void {
    if (depth > MAX_DEPTH) this.fail();
    const c = this.t[this.i];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.t.startsWith(word, this.i)) {
        this.i += word.length;
        return;
      }
    }
    this.fail();
  }

  object(depth: number): void {
    this.i++;
    this.ws();
    if (this.t[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      if (this.t[this.i] !== '"') this.fail();
      this.string();
      this.ws();
      if (this.t[this.i] !== ':') this.fail();
      this.i++;
      this.ws();
      this.value(depth + 1);
      this.ws();
      if (this.t[this.i] === ',') {
        this.i++;
        this.ws();
        continue;
      }
      if (this.t[this.i] === '}') {
        this.i++;
        return;
      }
      this.fail();
    }
  }

  array(depth: number): void {
    this.i++;
    this.ws();
    if (this.t[this.i] === ']') {
      this.i++;
      return;
    }
    for (;;) {
      this.value(depth + 1);
      this.ws();
      if (this.t[this.i] === ',') {
        this.i++;
        this.ws();
        continue;
      }
      if (this.t[this.i] === ']') {
        this.i++;
        return;
      }
      this.fail();
    }
  }

  string(): void {
    this.i++;
    while (this.i < this.t.length) {
      const c = this.t.charCodeAt(this.i);
      if (c === 34) {
        this.i++;
        return;
      }
      if (c < 0x20) this.fail();
      if (c === 92) {
        const e = this.t[this.i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.t.slice(this.i + 2, this.i + 6))) this.fail();
          this.i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail();
        this.i += 2;
        continue;
      }
      this.i++;
    }
    this.fail();
  }

  number(): void {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.t.slice(this.i, this.i + 400));
    if (!m) this.fail();
    this.i += m[0].length;
  }
}
