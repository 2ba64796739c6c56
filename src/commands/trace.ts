import { NetxCommand } from '../cli/base-command.js';
import { UserError } from '../util/errors.js';

/** Placeholder: being built (see issues). */
export default class Trace extends NetxCommand {
  static override description = 'not implemented yet';

  async run(): Promise<void> {
    throw new UserError('kubectl netx trace is not implemented yet');
  }
}
