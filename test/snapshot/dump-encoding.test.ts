import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COMPRESS_SCRIPT } from '../../src/probe/catalogue.js';
import { decodeDumpStdout, encodeGzipBase64 } from '../../src/snapshot/dump-encoding.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { readCorpus } from '../support/corpus.js';
import { GiB, zeroBomb } from './bombs.js';

describe('dump encoding', () => {
  const text = readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-save.rules');
  it('round-trips gzip+base64 and passes plain text through', () => {
    expect(decodeDumpStdout({ stdout: encodeGzipBase64(text), encoding: 'gzip+base64' })).toEqual({ kind: 'text', text });
    expect(decodeDumpStdout({ stdout: text })).toEqual({ kind: 'text', text });
  });
  it('decodes what the node-side `gzip -c | base64` wrapper prints (wrapped lines), keeping the exit code', () => {
    const out = execFileSync('sh', ['-c', COMPRESS_SCRIPT, 'sh', 'cat', '-'], { input: text, encoding: 'utf8' });
    expect(out).toMatch(/\n/);
    expect(decodeDumpStdout({ stdout: out, encoding: 'gzip+base64' })).toEqual({ kind: 'text', text });
    let code = 0;
    try {
      execFileSync('sh', ['-c', COMPRESS_SCRIPT, 'sh', 'sh', '-c', 'echo partial; exit 3'], { stdio: 'pipe' });
    } catch (e) {
      code = (e as { status: number }).status;
    }
    expect(code).toBe(3);
  });
  it('says why a corrupt dump cannot be decoded', () => {
    expect(decodeDumpStdout({ stdout: 'bm90IGd6aXA=', encoding: 'gzip+base64' })).toMatchObject({ kind: 'undecodable', reason: expect.stringMatching(/does not decode/) });
  });
  describe('a gzip bomb in a dump (1 GiB of zeros in 1 MB)', () => {
    const bomb = { argv: ['nft', '-j', 'list', 'ruleset'], stdout: zeroBomb(GiB).toString('base64'), stderr: '', exitCode: 0, encoding: 'gzip+base64' as const };

    it('stops inflating at the limit and says so', () => {
      expect(decodeDumpStdout(bomb)).toEqual({ kind: 'undecodable', reason: 'stdout inflates to more than 512 MiB, the most kubectl-netx reads of one dump: decompression stopped there' });
    });

    it('is a failure of that dump in the node model, with its reason (never "no rules")', () => {
      const m = buildNodeModel('node-a', { dumps: { nft: bomb } });
      expect(m.have.nft).toBe(false);
      expect(m.warnings).toContainEqual({ code: 'dump-undecodable', source: 'nft', message: expect.stringMatching(/^stdout inflates to more than 512 MiB/) });
    });
  });
});
