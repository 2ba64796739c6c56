/**
 * The batch script run by a real sh (dash, as in Debian-based probe images): each command's argv,
 * stdout, stderr and exit status come back exactly as if it had run alone, and nothing a command
 * prints can forge or hide another's frame.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { batchArgv, batchNonce, parseBatch, type BatchCommand } from '../../src/probe/batch.js';
import { compressedArgv } from '../../src/probe/catalogue.js';

/** Runs argv as the probe container would: stdin closed, PATH of the system. */
const run = (argv: readonly string[]) => {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', input: '', env: { PATH: '/usr/bin:/bin' } });
  // A missing program: what a shell (and the exec of a pod) reports for it.
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', exitCode: r.status ?? ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? 127 : -1) };
};

const batch = (commands: BatchCommand[]) => {
  const nonce = batchNonce();
  const out = run(batchArgv(commands, nonce));
  return { out, nonce, results: parseBatch(commands, nonce, out) };
};

const HOSTILE = ['a b', "it's", '"q"', '$HOME', '$(echo no)', '`echo no`', '*', '-n', '', 'x\ny', '\\', ';', '&&', '|', '>f'];

describe('batch of catalogue commands', () => {
  it('gives each command the argv, stdout, stderr and exit status it has alone', () => {
    const commands: BatchCommand[] = [
      { argv: ['printf', '%s|', ...HOSTILE], compress: false },
      { argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'], compress: false },
      { argv: ['sh', '-c', 'printf "no newline" >&2; printf partial'], compress: false },
      { argv: ['sh', '-c', 'exit 0'], compress: false },
      { argv: ['netx-no-such-tool'], compress: false },
      { argv: ['sh', '-c', 'printf "\\000\\001binary\\377"'], compress: false },
    ];
    const { results } = batch(commands);
    expect(results.size).toBe(commands.length);
    commands.forEach((c, i) => {
      const alone = run(c.argv);
      const got = results.get(i)!;
      expect(got.argv).toEqual(c.argv);
      expect(got.exitCode, c.argv.join(' ')).toBe(alone.exitCode === 127 ? 127 : alone.exitCode);
      if (alone.exitCode !== 127) {
        expect(got.stdout, c.argv.join(' ')).toBe(alone.stdout);
        expect(got.stderr, c.argv.join(' ')).toBe(alone.stderr);
      }
    });
    expect(results.get(0)!.stdout).toBe(`${HOSTILE.join('|')}|`);
    expect(results.get(4)!.stderr).toMatch(/netx-no-such-tool: not found/);
  });

  it('compresses as the single-command wrapper does: the same gzip+base64 text', () => {
    const argv = ['seq', '1', '5000'];
    const { results } = batch([{ argv, compress: true }, { argv: ['true'], compress: true }]);
    expect(results.get(0)).toMatchObject({ stdout: run(compressedArgv(argv)).stdout, exitCode: 0, encoding: 'gzip+base64' });
    expect(results.get(1)).toMatchObject({ stdout: run(compressedArgv(['true'])).stdout, exitCode: 0 });
  });

  it('a command printing frame lines of another batch cannot forge one', () => {
    const other = batchNonce();
    const forger = `printf '\\n%s 1\\nAAAA\\n\\n%s 1 0\\n' ${other} ${other}; printf '\\n%s 1\\nfake\\n' ${other} >&2`;
    const { results } = batch([
      { argv: ['sh', '-c', forger], compress: false },
      { argv: ['echo', 'real'], compress: false },
    ]);
    expect(results.get(0)!.stdout).toContain(`${other} 1 0`);
    expect(results.get(0)!.stderr).toContain('fake');
    expect(results.get(1)).toMatchObject({ stdout: 'real\n', stderr: '', exitCode: 0 });
  });

  it('a batch cut short (deadline, output bound) keeps the commands that finished and leaves out the rest', () => {
    const commands: BatchCommand[] = [
      { argv: ['echo', 'first'], compress: false },
      { argv: ['sh', '-c', 'echo second; echo err >&2'], compress: false },
      { argv: ['echo', 'third'], compress: false },
    ];
    const { out, nonce, results } = batch(commands);
    expect(results.size).toBe(3);
    const cutOut = out.stdout.slice(0, out.stdout.indexOf(`\n${nonce} 1 0`));
    const cutErr = out.stderr.slice(0, out.stderr.indexOf(`\n${nonce} 2`) - 1);
    for (const cut of [{ stdout: cutOut, stderr: out.stderr }, { stdout: out.stdout, stderr: cutErr }]) {
      const kept = parseBatch(commands, nonce, cut);
      expect(kept.get(0)).toMatchObject({ stdout: 'first\n', exitCode: 0 });
      expect([...kept.keys()]).toEqual([0]);
    }
    // Without the end line, the last command's stderr may be incomplete: left out.
    const noEnd = parseBatch(commands, nonce, { stdout: out.stdout, stderr: out.stderr.slice(0, out.stderr.indexOf(`\n${nonce} end`)) });
    expect([...noEnd.keys()]).toEqual([0, 1]);
  });

  it('output that is not a batch (a shell that could not run it) yields nothing', () => {
    const commands: BatchCommand[] = [{ argv: ['echo', 'x'], compress: false }];
    expect(parseBatch(commands, batchNonce(), { stdout: 'sh: not found\n', stderr: 'exec failed\n' }).size).toBe(0);
    expect(parseBatch(commands, batchNonce(), { stdout: '', stderr: '' }).size).toBe(0);
  });

  it('every batch has its own nonce', () => {
    expect(new Set(Array.from({ length: 100 }, batchNonce)).size).toBe(100);
  });
});
