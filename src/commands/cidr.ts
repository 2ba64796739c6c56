import { NetxCommand } from '../cli/base-command.js';
import { UserError } from '../util/errors.js';

/** Placeholder: being built (see issues). */
export default class Cidr extends NetxCommand {
  static override description = 'not implemented yet';

  async run(): Promise<void> {
    throw new UserError('kubectl netx cidr is not implemented yet');
  }
}
