/**
 * Compact, borderless text tables (the ux.md look): a header row, columns separated by two spaces,
 * numbers right-aligned, multi-line cells allowed. Generic: any row type, columns say how to show it.
 *
 * With a `width` (the terminal's), a table wider than that wraps the text of its `flex` columns (else
 * its widest column) at word boundaries inside the column, as kubectl keeps rows inside the terminal;
 * nothing is cut. `-o wide` adds columns and may still wrap.
 *
 * Hand-aligned rather than cli-table3, which takes seconds for the thousands of rows a node or
 * endpoints table reaches (measured in docs/dependencies.md). Widths count code points after removing ANSI colour, so
 * colour never moves a column; East-Asian wide characters are not measured as double width.
 */

export interface Column<R> {
  header: string;
  /** The cell text (may contain '\n' for several lines, and colour). */
  value: (row: R) => string;
  align?: 'left' | 'right';
  /** Shown only with `-o wide`. */
  wide?: boolean;
  /** Wrapped first when the table is wider than `width` (prose: evidence, notes). */
  flex?: boolean;
}

export interface TableOptions {
  /** Spaces before every line (default 2, like the sketches). */
  indent?: number;
  wide?: boolean;
  /** Print the header row (default true). */
  header?: boolean;
  /** The widest a line may be (the terminal's columns); none: no limit. */
  width?: number;
}

/** Narrowest a wrapped column gets: below that a row reads worse wrapped than long. */
const MIN_FLEX = 16;

const GAP = '  ';
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Visible width of one line of text. */
const visibleWidth = (s: string): number => {
  let n = 0;
  for (const _ of s.replace(ANSI, '')) n++;
  return n;
};

/** Renders rows as a borderless table; no trailing spaces on any line. */
export function renderTable<R>(rows: readonly R[], columns: readonly Column<R>[], opts: TableOptions = {}): string {
  const cols = columns.filter((c) => !c.wide || opts.wide);
  // Every cell as its lines: header first (when shown), then one entry per row.
  const grid: string[][][] = [];
  if (opts.header !== false) grid.push(cols.map((c) => [c.header]));
  for (const r of rows) grid.push(cols.map((c) => c.value(r).split('\n')));
  let widths = columnWidths(grid, cols.length);
  const indent = opts.indent ?? 2;
  if (opts.width !== undefined) widths = fitColumns(grid, cols, widths, opts.width - indent);
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const cells of grid) {
    const height = Math.max(...cells.map((c) => c.length));
    for (let line = 0; line < height; line++) {
      const parts = cols.map((c, i) => {
        const text = cells[i]?.[line] ?? '';
        const fill = ' '.repeat((widths[i] ?? 0) - visibleWidth(text));
        return c.align === 'right' ? fill + text : text + fill;
      });
      out.push(`${pad}${parts.join(GAP)}`.trimEnd());
    }
  }
  return out.join('\n');
}

function columnWidths(grid: string[][][], n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.max(0, ...grid.map((cells) => Math.max(...(cells[i] ?? ['']).map(visibleWidth)))));
}

/**
 * Wraps the flex columns (else the widest) so a line fits `room`; rewrites `grid` in place and returns
 * the new widths. Columns that cannot shrink enough are left as wide as `MIN_FLEX`.
 */
function fitColumns<R>(grid: string[][][], cols: readonly Column<R>[], widths: number[], room: number): number[] {
  const total = (ws: number[]): number => ws.reduce((a, b) => a + b, 0) + GAP.length * Math.max(0, ws.length - 1);
  if (total(widths) <= room) return widths;
  const flex = cols.map((c, i) => (c.flex ? i : -1)).filter((i) => i >= 0);
  const widest = widths.indexOf(Math.max(...widths));
  const targets = flex.length > 0 ? flex : [widest];
  const others = widths.reduce((sum, w, i) => sum + (targets.includes(i) ? 0 : w), 0);
  const each = Math.max(MIN_FLEX, Math.floor((room - others - GAP.length * (widths.length - 1)) / targets.length));
  for (const i of targets) {
    if (widths[i]! <= each) continue;
    for (const cells of grid) cells[i] = (cells[i] ?? ['']).flatMap((line) => wrapLine(line, each));
  }
  return columnWidths(grid, cols.length);
}

/** Breaks one line at spaces into lines of at most `width` visible characters (a longer word is split). */
function wrapLine(line: string, width: number): string[] {
  if (visibleWidth(line) <= width) return [line];
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    const candidate = current ? `${current} ${word}` : word;
    if (visibleWidth(candidate) <= width) {
      current = candidate;
      continue;
    }
    if (current) out.push(current);
    current = word;
    while (visibleWidth(current) > width) {
      out.push(current.slice(0, width));
      current = current.slice(width);
    }
  }
  if (current) out.push(current);
  return out;
}

/** Wraps each line of a block of text to `width`, continuation lines indented like the line they continue (plus two). */
export function wrapText(text: string, width: number | undefined): string {
  if (width === undefined) return text;
  return text
    .split('\n')
    .flatMap((line) => {
      if (visibleWidth(line) <= width) return [line];
      const lead = /^ */.exec(line)![0].length;
      const [head = '', ...rest] = wrapLine(line.slice(lead), Math.max(MIN_FLEX, width - lead));
      const tail = rest.length ? wrapLine(rest.join(' '), Math.max(MIN_FLEX, width - lead - 2)) : [];
      return [`${' '.repeat(lead)}${head}`, ...tail.map((p) => `${' '.repeat(lead + 2)}${p}`)];
    })
    .join('\n');
}
