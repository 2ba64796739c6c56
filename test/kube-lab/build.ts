/** Runs build.sh (binaries, then images.sh; cached by release: a warm run only checks stamps) and says where things are. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bins } from './daemons.js';

const BUILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'build.sh');

function script(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    // Progress goes to our stderr; stdout is captured, never mixed into the caller's stdout.
    const child = spawn(BUILD, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${BUILD} ${args.join(' ')} exited ${code}`))));
  });
}

export async function buildComponents(): Promise<Bins> {
  await script([], process.env);
  const dir = (await script(['--print'], process.env)).trim();
  return { dir, images: path.join(path.dirname(dir), 'images') };
}
