// Started by bin/kubectl-netx. Plain JavaScript on purpose: it must be able to say "wrong Node" on any Node.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `error: kubectl-netx needs Node.js 22 or newer, this is ${process.version}\n` +
      'hint: run `npm ci` in the kubectl-netx checkout (it brings its own Node), or install Node 22+\n',
  );
  process.exit(1);
}
if (!existsSync(fileURLToPath(new URL('../dist/commands/index.js', import.meta.url)))) {
  process.stderr.write('error: kubectl-netx is not built\nhint: run `npm ci` (or `npm run build`) in the checkout\n');
  process.exit(1);
}
// A reader that goes away early (`kubectl netx trace … | head`) is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const [{ main }, { COMMANDS }] = await Promise.all([import('../dist/cli/main.js'), import('../dist/commands/index.js')]);
await main(process.argv.slice(2), fileURLToPath(new URL('..', import.meta.url)), COMMANDS);
