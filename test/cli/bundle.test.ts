/**
 * The CLI runs from the build's bundle (scripts/bundle.mjs): a command loads dist/bundle/ and the packages it requires
 * by name on use, never the unbundled tree beside it (dist/cli, dist/commands …) nor oclif's own files. oclif imports
 * the command table itself; if it were pointed at dist/commands/index.js it would load a second copy of everything.
 * Every module the process loads is recorded by a module hook (Node's module.registerHooks, ES modules and CommonJS).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/corpus.js';
import { ensureBuilt, runCli } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'netx-bundle-'));
const hook = path.join(dir, 'hook.mjs');
const LAB = path.join(REPO_ROOT, 'examples', 'lab-flannel-iptables.snapshot.json');

beforeAll(() => {
  ensureBuilt();
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({ load(url, context, next) { if (url.startsWith('file:')) appendFileSync(process.env.NETX_TEST_LOADED, url + '\\n'); return next(url, context); } });
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The files (relative to the checkout) a run of `args` loads, and the run. */
function loaded(name: string, args: string[]): { files: string[]; status: number | null; stdout: string } {
  const list = path.join(dir, `${name}.txt`);
  writeFileSync(list, '');
  const r = runCli(args, { env: { ...process.env, NO_COLOR: '1', NETX_TEST_LOADED: list, NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` } });
  const files = readFileSync(list, 'utf8').split('\n').filter(Boolean).map((u) => path.relative(REPO_ROOT, fileURLToPath(u)));
  return { files, status: r.status, stdout: r.stdout };
}

describe('the built CLI runs from its bundle', () => {
  it('a trace loads dist/bundle/ only: no unbundled dist/ module, no file of oclif, chalk or ipaddr.js', () => {
    const r = loaded('trace', ['trace', 'client', 'svc/web:80', '--snapshot', LAB]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('DELIVERED');
    const outside = r.files.filter((f) => f.startsWith('dist/') && !f.startsWith('dist/bundle/'));
    expect(outside).toEqual([]);
    expect(r.files.filter((f) => /node_modules\/(@oclif|chalk|ipaddr\.js)\//.test(f))).toEqual([]);
    // The kubeadm ConfigMap is read as YAML: the one-file copy beside the bundle, not yaml's ~70 modules.
    expect(r.files.filter((f) => f.includes('/yaml/'))).toEqual(['dist/bundle/node_modules/yaml/index.js']);
  });

  it('--help loads neither oclif nor the command table', () => {
    const r = loaded('help', ['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('trace');
    expect(r.files.filter((f) => f.startsWith('dist/bundle/commands') || /node_modules\//.test(f))).toEqual([]);
  });
});
