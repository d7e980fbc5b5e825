import type { Command } from './command.js';
import { schemaCommand, serveCommand, validateCommand } from './core-commands.js';
import { threatScanCommand } from '../threat/cli.js';

/** Every CLI command. Capabilities add theirs here (one import, one entry). */
export const COMMANDS: Command[] = [serveCommand, validateCommand, schemaCommand, threatScanCommand];
