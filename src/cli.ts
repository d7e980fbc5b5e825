#!/usr/bin/env node
import { COMMANDS } from './cli/commands.js';
import { cliErrorText } from './cli/error-text.js';

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === 'help') {
    process.stdout.write('usage: portcullis <command> [args]\n\n');
    for (const c of COMMANDS) process.stdout.write(`  ${c.usage}\n      ${c.summary}\n`);
    process.exitCode = name ? 0 : 2;
    return;
  }
  // "policy build" style: a two-word command wins over a one-word one
  const two = rest[0] ? COMMANDS.find((c) => c.name === `${name} ${rest[0]}`) : undefined;
  const cmd = two ?? COMMANDS.find((c) => c.name === name);
  if (!cmd) { process.stderr.write(`portcullis: unknown command "${name}" (try --help)\n`); process.exitCode = 2; return; }
  const code = await cmd.run(two ? rest.slice(1) : rest);
  if (code >= 0) process.exitCode = code;
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`portcullis: ${cliErrorText(err)}\n`);
  process.exitCode = 1;
});
