/**
 * Help and the version line come from data the build wrote (src/cli/static-help.ts) instead of oclif: the built
 * plugin must print exactly what oclif prints. Each plain form is compared with a form oclif answers itself for
 * the same page (a second help flag, `help --`), on every command. Completion reads the commands' flags from the
 * same data: it must complete as the command classes do.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/corpus.js';
import { oclifColumns, staticAnswer, STATIC_META_FILE, USER_AGENT_MARK, type StaticMeta } from '../../src/cli/static-help.js';
import { completeLine, completionTable, type Names } from '../../src/cli/complete/candidates.js';
import { COMMANDS } from '../../src/commands/index.js';

const ENV = { ...process.env, NO_COLOR: '1' };
let meta: StaticMeta;

beforeAll(() => {
  ensureBuilt();
  meta = JSON.parse(readFileSync(path.join(REPO_ROOT, 'dist', 'commands', STATIC_META_FILE), 'utf8')) as StaticMeta;
}, 180_000);

const both = (fast: string[], oclif: string[]) => {
  const a = runCli(fast, { env: ENV });
  const b = runCli(oclif, { env: ENV });
  expect(b.status, b.stderr).toBe(0);
  expect({ status: a.status, stdout: a.stdout, stderr: a.stderr }).toEqual({ status: b.status, stdout: b.stdout, stderr: b.stderr });
  return a;
};

describe('help from build-time data', () => {
  it('the root page: --help, -h, help and no arguments print what oclif prints', () => {
    const root = both(['--help'], ['-h', '--help']);
    expect(root.stdout).toMatch(/^COMMANDS$/m);
    expect(root.stdout).toContain(`${meta.nameVersion} ${process.platform}-${process.arch} node-${process.version}`);
    both(['-h'], ['-h', '--help']);
    both(['help'], ['help', '--']);
    both([], ['-h', '--help']);
  }, 60_000);

  it('every command page: CMD --help, CMD -h and help CMD print what oclif prints', () => {
    expect(meta.ids.length).toBeGreaterThan(5);
    for (const id of meta.ids) {
      const page = both([id, '--help'], [id, '--help', '--help']);
      expect(page.stdout).toMatch(/^USAGE$/m);
      expect(runCli([id, '-h'], { env: ENV }).stdout).toBe(page.stdout);
      if (id !== 'help') expect(runCli(['help', id], { env: ENV }).stdout).toBe(page.stdout);
    }
  }, 120_000);

  it('--version prints oclif’s version line', () => {
    const r = runCli(['--version'], { env: ENV });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${meta.nameVersion} ${process.platform}-${process.arch} node-${process.version}\n`);
  });

  it('answers only the plain forms, at the width the pages were wrapped to', () => {
    const pages = Object.fromEntries(['', ...meta.ids].map((id) => [id, `page ${id} ${USER_AGENT_MARK}`]));
    const m: StaticMeta = { ...meta, pages };
    expect(staticAnswer(['trace', '--help'], m, 80)).toMatch(/^page trace kubectl-netx\//);
    expect(staticAnswer(['help', 'cidr'], m, 80)).toMatch(/^page cidr /);
    expect(staticAnswer(['--help'], m, 80)).toMatch(/^page {2}/);
    expect(staticAnswer(['trace', '--help'], m, 120)).toBeUndefined();
    expect(staticAnswer(['--version'], m, 120)).toMatch(/^kubectl-netx\/\S+ \S+ node-v/);
    for (const argv of [['trace', 'client', '--help'], ['help', 'nope'], ['help', '--help'], ['trace'], ['-n', 'x', '--help'], ['nope', '--help']]) {
      expect(staticAnswer(argv, m, 80), argv.join(' ')).toBeUndefined();
    }
  });

  it('oclif’s width: OCLIF_COLUMNS, else the terminal’s (at least 40), else 80', () => {
    expect(oclifColumns({}, { isTTY: false, columns: 200 })).toBe(80);
    expect(oclifColumns({}, { isTTY: true, columns: 132 })).toBe(132);
    expect(oclifColumns({}, { isTTY: true, columns: 20 })).toBe(40);
    expect(oclifColumns({ OCLIF_COLUMNS: '100' }, { isTTY: false })).toBe(100);
  });
});

describe('completion from build-time data', () => {
  const names: Names = {
    pods: async () => [{ name: 'client', namespace: 'default', owner: { kind: 'Deployment', name: 'web' } }],
    services: async () => [{ name: 'web', namespace: 'default', ports: [{ port: 80, name: 'http' }] }],
    nodes: async () => ['node-a'],
    namespaces: async () => ['default', 'shop'],
    contexts: async () => ['kind'],
  };
  const lines = [
    [''], ['tr'], ['-n', 'shop', ''], ['trace', '--'], ['trace', '-'], ['trace', '--fam'], ['trace', '--family', ''], ['trace', '-o', ''],
    ['trace', '--output=j'], ['trace', 'client', ''], ['trace', ''], ['policy', '--protocol', ''], ['cidr', '--'], ['collect', '-o', ''],
    ['rbac', '--'], ['cleanup', '--'], ['help', ''], ['completion', ''], ['proxy-mode', '--no'], ['trace', '--probe-timeout', ''], ['nope', ''],
  ];

  it('completes every line as the command classes do', async () => {
    for (const line of lines) {
      expect(await completeLine(line, meta.completion, names), line.join(' ')).toEqual(await completeLine(line, COMMANDS, names));
    }
    expect(meta.completion).toEqual(JSON.parse(JSON.stringify(completionTable(COMMANDS))));
  });
});
