import type { Command } from './command.js';
import { ratelimitValidateCommand } from '../ratelimit/cli.js';
import { schemaCommand, serveCommand, validateCommand } from './core-commands.js';

/** Every CLI command. Capabilities add theirs here (one import, one entry). */
export const COMMANDS: Command[] = [serveCommand, validateCommand, schemaCommand, ratelimitValidateCommand];
