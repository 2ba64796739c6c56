// Build step after tsc: writes dist/commands/static-meta.json (src/cli/static-help.ts reads it) — the command
// ids, every flag's shape, each help page as oclif's own help class renders it at 80 columns (oclif's width when
// stdout is no terminal) and what completion reads of each command — so help, argument planning and completion
// need neither oclif nor any command at run time.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// oclif reads its width once, when it loads.
process.env.OCLIF_COLUMNS = '80';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => pathToFileURL(path.join(root, 'dist', p)).href;

const { Config, loadHelpClass } = await import('@oclif/core');
const { COMMANDS } = await import(dist('commands/index.js'));
const { flagSpecs } = await import(dist('cli/main.js'));
const { STATIC_META_FILE, USER_AGENT_MARK } = await import(dist('cli/static-help.js'));
const { completionTable } = await import(dist('cli/complete/candidates.js'));

const config = await Config.load(root);
const Help = await loadHelpClass(config);
const help = new Help(config, config.pjson.oclif.helpOptions ?? config.pjson.helpOptions);

/** What showHelp writes to stdout for `argv`. */
async function page(argv) {
  const chunks = [];
  const write = process.stdout.write;
  process.stdout.write = (chunk) => (chunks.push(String(chunk)), true);
  try {
    await help.showHelp(argv);
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('').split(config.userAgent).join(USER_AGENT_MARK);
}

const ids = Object.keys(COMMANDS);
const pages = { '': await page([]) };
for (const id of ids) pages[id] = await page([id]);
const meta = { ids, flags: flagSpecs(COMMANDS), nameVersion: `${config.name}/${config.version}`, columns: 80, pages, completion: completionTable(COMMANDS) };
writeFileSync(path.join(root, 'dist', 'commands', STATIC_META_FILE), `${JSON.stringify(meta)}\n`);
