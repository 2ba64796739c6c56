/**
 * Compact, borderless text tables (the ux.md look): a header row, columns separated by two spaces,
 * numbers right-aligned, multi-line cells allowed. Generic: any row type, columns say how to show it.
 */
import Table from 'cli-table3';

export interface Column<R> {
  header: string;
  /** The cell text (may contain '\n' for several lines, and colour). */
  value: (row: R) => string;
  align?: 'left' | 'right';
  /** Shown only with `-o wide`. */
  wide?: boolean;
}

export interface TableOptions {
  /** Spaces before every line (default 2, like the sketches). */
  indent?: number;
  wide?: boolean;
  /** Print the header row (default true). */
  header?: boolean;
}

const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '  ',
};

/** Renders rows as a borderless table; no trailing spaces on any line. */
export function renderTable<R>(rows: readonly R[], columns: readonly Column<R>[], opts: TableOptions = {}): string {
  const cols = columns.filter((c) => !c.wide || opts.wide);
  const table = new Table({
    head: opts.header === false ? [] : cols.map((c) => c.header),
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    colAligns: cols.map((c) => c.align ?? 'left'),
    wordWrap: false,
  });
  for (const r of rows) table.push(cols.map((c) => c.value(r)));
  const pad = ' '.repeat(opts.indent ?? 2);
  return table
    .toString()
    .split('\n')
    .map((line) => `${pad}${line}`.trimEnd())
    .join('\n');
}
