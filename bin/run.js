// Started by bin/kubectl-netx. Plain JavaScript on purpose: it must be able to say "wrong Node" on any Node.
import module from 'node:module';
import { existsSync } from 'node:fs';

// V8's compiled code for the modules below, kept on disk between runs (Node 22.1+; NODE_COMPILE_CACHE picks the
// directory, NODE_DISABLE_COMPILE_CACHE=1 turns it off): each run then skips compiling ~450 modules.
module.enableCompileCache?.();
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `error: kubectl-netx needs Node.js 22 or newer, this is ${process.version}\n` +
      'hint: run `npm ci` in the kubectl-netx checkout (it brings its own Node), or install Node 22+\n',
  );
  process.exit(1);
}
if (!existsSync(fileURLToPath(new URL('../dist/bundle/netx.js', import.meta.url)))) {
  process.stderr.write('error: kubectl-netx is not built\nhint: run `npm ci` (or `npm run build`) in the checkout\n');
  process.exit(1);
}
// A reader that goes away early (`kubectl netx trace … | head`) is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
// dist/bundle/ is dist/ linked into a few modules (scripts/bundle.mjs). The command table (and oclif with it)
// loads only for a command that runs: help comes from build-time data.
const { main } = await import('../dist/bundle/netx.js');
await main(process.argv.slice(2), fileURLToPath(new URL('..', import.meta.url)), {
  load: () => import('../dist/bundle/commands.js').then((m) => m.COMMANDS),
  staticDir: new URL('../dist/commands/', import.meta.url),
  module: 'dist/bundle/commands.js',
});
