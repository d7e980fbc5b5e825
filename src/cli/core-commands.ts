import { ConfigLoadError } from '../config/errors.js';
import { loadConfigFile } from '../config/loader.js';
import { configSchema } from '../config/schema.js';
import { serve } from '../main.js';
import { buildRuntime, closeRuntime } from '../pipeline/runtime.js';
import { MemoryStore } from '../store/memory.js';
import { createLogger } from '../telemetry/logger.js';
import { parseFlags, type Command } from './command.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the gRPC ext_authz / rate-limit service and the admin HTTP server',
  usage: 'serve [--config FILE]   (or PORTCULLIS_CONFIG=FILE; embedded defaults otherwise)',
  async run(args) {
    const { flags } = parseFlags(args);
    const file = typeof flags.config === 'string' ? flags.config : process.env.PORTCULLIS_CONFIG || undefined;
    await serve(file);
    return -1; // keep running
  },
};

export const validateCommand: Command = {
  name: 'validate-config',
  summary: 'validate and compile a config file; lists every error and exits non-zero',
  usage: 'validate-config FILE',
  async run(args) {
    const file = parseFlags(args).rest[0];
    if (!file) { process.stderr.write(`usage: portcullis ${this.usage}\n`); return 2; }
    try {
      const loaded = loadConfigFile(file);
      // compile too (regexes, module config), without network-dependent background work
      const store = new MemoryStore();
      const rt = await buildRuntime(loaded, store, createLogger('silent'));
      await closeRuntime(rt);
      await store.close();
      for (const w of rt.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(`${loaded.file}: ok (${loaded.config.routes?.length ?? 0} routes)\n`);
      return 0;
    } catch (err) {
      if (err instanceof ConfigLoadError) {
        process.stderr.write(`${err.problems.length} error(s):\n${err.message}\n`);
        return 1;
      }
      process.stderr.write(`${(err as Error).message}\n`);
      return 1;
    }
  },
};

export const schemaCommand: Command = {
  name: 'schema',
  summary: 'print the config JSON Schema',
  usage: 'schema',
  async run() {
    process.stdout.write(`${JSON.stringify(configSchema(), null, 2)}\n`);
    return 0;
  },
};
