import type { Command } from './command.js';
import { POLICY_COMMANDS } from '../policy/cli/commands.js';
import { schemaCommand, serveCommand, validateCommand } from './core-commands.js';
import { identityCommands } from '../identity/cli.js';

/** Every CLI command. Capabilities add theirs here (one import, one entry). */
export const COMMANDS: Command[] = [serveCommand, validateCommand, schemaCommand, ...identityCommands, ...POLICY_COMMANDS];
