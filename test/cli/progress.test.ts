import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';
import { silentProgress } from '../../src/util/progress.js';

function stream(isTTY: boolean): NodeJS.WriteStream & { text: () => string } {
  const s = new PassThrough() as unknown as NodeJS.WriteStream & { text: () => string };
  const chunks: string[] = [];
  (s as unknown as PassThrough).on('data', (c: Buffer) => chunks.push(c.toString()));
  Object.assign(s, { isTTY, text: () => chunks.join('') });
  return s;
}

describe('progress', () => {
  it('is silent when stderr is not a terminal', async () => {
    const s = stream(false);
    const p = createProgress(s);
    expect(p).toBe(silentProgress);
    p.update('listing pods');
    p.done();
    await new Promise((r) => setImmediate(r));
    expect(s.text()).toBe('');
  });

  it('draws on a terminal and clears its line when done', async () => {
    const s = stream(true);
    const p = createProgress(s, 0);
    p.update('listing pods 500');
    p.done();
    p.done();
    await new Promise((r) => setImmediate(r));
    expect(s.text()).toContain('listing pods 500');
    expect(s.text().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('prints nothing for work that ends before the delay', async () => {
    const s = stream(true);
    const p = createProgress(s, 60_000);
    p.update('quick');
    p.done();
    await new Promise((r) => setImmediate(r));
    expect(s.text()).toBe('');
  });
});
