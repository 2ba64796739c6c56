/** The command table (oclif "explicit" strategy: no directory scan at start-up). */
import type { Command } from '@oclif/core';
import Cidr from './cidr.js';
import Cleanup from './cleanup.js';
import Collect from './collect.js';
import Rbac from './rbac.js';
import Trace from './trace.js';
import ProxyMode from './proxy-mode.js';
import Policy from './policy.js';
import Help from './help.js';
import Completion from './completion.js';

export const COMMANDS: Record<string, Command.Class> = {
  'proxy-mode': ProxyMode,
  cidr: Cidr,
  cleanup: Cleanup,
  collect: Collect,
  rbac: Rbac,
  trace: Trace,
  policy: Policy,
  completion: Completion,
  help: Help,
};
