// Build step after tsc: links the compiled CLI (dist/cli/main.js and the command table) and the libraries it
// imports (oclif, chalk, ipaddr.js) into dist/bundle/ (netx.js: cli/main.js; commands.js: the command table), which bin/run.js runs. Node then loads a handful of files
// instead of ~450 modules (oclif's CommonJS tree and netx's ES modules), each resolved, read and compiled on every
// start. Code loaded on demand (collect, pod exec, completion, the analysis of each command) stays in chunks that
// load only when used. Packages loaded by name at run time stay outside: @kubernetes/client-node and ws (pod exec,
// credentials netx does not apply itself), yaml and ajv (createRequire on first use), typescript (oclif's tsconfig
// reader in development). The snapshot validator that scripts/snapshot-validator.mjs writes is copied beside the
// bundle, where src/snapshot/io.ts looks for it.
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const out = path.join(dist, 'bundle');
rmSync(out, { recursive: true, force: true });
await esbuild.build({
  // Two entries: help and completion answer from main alone; the command table (and oclif) loads for a command.
  entryPoints: [
    { in: path.join(dist, 'cli', 'main.js'), out: 'netx' },
    { in: path.join(dist, 'commands', 'index.js'), out: 'commands' },
  ],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  outdir: out,
  chunkNames: 'chunk-[hash]',
  external: ['@kubernetes/client-node', 'ws', 'yaml', 'ajv', 'typescript', 'ts-node'],
  // oclif and its dependencies are CommonJS: their require() of Node's modules needs a require in ES module scope.
  banner: { js: "import { createRequire as __netxRequire } from 'node:module';\nconst require = __netxRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(path.join(dist, 'snapshot', 'snapshot-validate.cjs'), path.join(out, 'snapshot-validate.cjs'));

// yaml is required by name on first use (src/util/yaml-lib.ts), from whichever chunk holds that code; Node looks
// for it in dist/bundle/node_modules first, so a one-file copy there replaces its ~70 modules.
const yamlDir = path.join(out, 'node_modules', 'yaml');
await esbuild.build({
  entryPoints: [path.join(root, 'node_modules', 'yaml', 'dist', 'index.js')],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  outfile: path.join(yamlDir, 'index.js'),
  legalComments: 'none',
  logLevel: 'warning',
});
writeFileSync(path.join(yamlDir, 'package.json'), JSON.stringify({ name: 'yaml', main: 'index.js', type: 'commonjs' }));
