/**
 * `kubectl-netx __complete WORDS…` (Cobra's hidden command, which kubectl_complete-netx and the
 * shell scripts call): the candidates for the last word. Loaded only when completing.
 */
import { completeLine, formatCompletion, lineFlags, type CommandTable } from './candidates.js';
import { namesFor } from './names.js';

export async function complete(words: string[], commands: CommandTable): Promise<string> {
  const line = words.length > 0 ? words : [''];
  const names = await namesFor(lineFlags(line.slice(0, -1)));
  return formatCompletion(await completeLine(line, commands, names));
}
