import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COMPRESS_SCRIPT } from '../../src/probe/catalogue.js';
import { decodeDumpStdout, encodeGzipBase64 } from '../../src/snapshot/dump-encoding.js';
import { readCorpus } from '../support/corpus.js';

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
});
