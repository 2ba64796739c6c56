/** The command table (oclif "explicit" strategy: no directory scan at start-up). */
import type { Command } from '@oclif/core';

export const COMMANDS: Record<string, Command.Class> = {};
