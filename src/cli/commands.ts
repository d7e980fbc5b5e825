import type { Command } from './command.js';
import { identityCommands } from '../identity/cli.js';
import { POLICY_COMMANDS } from '../policy/cli/commands.js';
import { ratelimitValidateCommand } from '../ratelimit/cli.js';
import { schemaCommand, serveCommand, validateCommand } from './core-commands.js';
import { threatScanCommand } from '../threat/cli.js';

/** Every CLI command. Capabilities add theirs here (one import, one entry). */
export const COMMANDS: Command[] = [
  serveCommand, validateCommand, schemaCommand,
  ...identityCommands,
  ...POLICY_COMMANDS,
  ratelimitValidateCommand,
  threatScanCommand,
];
