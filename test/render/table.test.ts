import chalk from 'chalk';
import { afterEach, describe, expect, it } from 'vitest';
import { renderTable, type Column } from '../../src/render/table.js';
import { mark } from '../../src/render/style.js';

interface Row {
  name: string;
  n: number;
  extra: string;
}
const cols: Column<Row>[] = [
  { header: 'name', value: (r) => r.name },
  { header: 'n', value: (r) => String(r.n), align: 'right' },
  { header: 'extra', value: (r) => r.extra, wide: true },
];
const rows: Row[] = [
  { name: 'alpha', n: 5, extra: 'x' },
  { name: 'b', n: 1234, extra: 'y\nz' },
];
const level = chalk.level;
afterEach(() => {
  chalk.level = level;
});

describe('renderTable', () => {
  it('borderless, indented, right-aligned numbers, no trailing spaces', () => {
    expect(renderTable(rows, cols).split('\n')).toEqual(['  name      n', '  alpha     5', '  b      1234']);
  });

  it('wide columns only with wide; multi-line cells', () => {
    expect(renderTable(rows, cols, { wide: true, indent: 0 }).split('\n')).toEqual(['name      n  extra', 'alpha     5  x', 'b      1234  y', '             z']);
  });

  it('no header row when asked', () => {
    expect(renderTable(rows, cols, { header: false, indent: 0 }).split('\n')[0]).toBe('alpha     5');
  });

  it('colour does not change the layout, and markers read without colour', () => {
    chalk.level = 0;
    const plain = renderTable([{ name: mark('warning'), n: 1, extra: '' }], cols);
    chalk.level = 3;
    const coloured = renderTable([{ name: mark('warning'), n: 1, extra: '' }], cols);
    expect(coloured).not.toBe(plain);
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain);
    expect(plain).toContain('!');
  });
});
