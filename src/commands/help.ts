/** `kubectl netx help [COMMAND]`: the same help as `kubectl netx COMMAND --help` (kubectl and its plugins take both). */
import { Args, Command, loadHelpClass } from '@oclif/core';
import { UsageError } from '../util/errors.js';
import { reportFailure } from '../cli/failure.js';

export default class Help extends Command {
  static override summary = 'Help about any command';
  static override examples = ['<%= config.bin %> help trace', '<%= config.bin %> trace --help'];
  static override args = { command: Args.string({ description: 'The command to describe' }) };
  static override strict = false;

  async run(): Promise<void> {
    const { argv } = await this.parse(Help);
    const words = argv as string[];
    const id = words.filter((w) => !w.startsWith('-')).join(':');
    if (id && !this.config.findCommand(id)) {
      throw new UsageError(`unknown command "${words.join(' ')}" for "kubectl netx"`, { hint: 'kubectl netx help lists the commands' });
    }
    const HelpClass = await loadHelpClass(this.config);
    await new HelpClass(this.config, this.config.pjson.oclif.helpOptions ?? {}).showHelp(id ? [id] : []);
  }

  protected override async catch(error: Error): Promise<unknown> {
    return this.exit(reportFailure(error, this.id));
  }
}
