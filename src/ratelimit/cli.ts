import { parseFlags, type Command } from '../cli/command.js';
import { loadDomainDir } from './envoy-config/loader.js';
import { formatRlsProblem } from './envoy-config/problems.js';

/** `portcullis ratelimit validate DIR`: envoyproxy/ratelimit's config_check_cmd for a config directory. */
export const ratelimitValidateCommand: Command = {
  name: 'ratelimit validate',
  summary: 'check an envoyproxy/ratelimit config directory (one YAML file per domain); lists every error',
  usage: 'ratelimit validate DIR [--strict] [--merge-domains]   (--strict: reject Portcullis extensions; --merge-domains: as merge_domain_config)',
  async run(args) {
    const { flags, rest } = parseFlags(args, ['strict', 'merge-domains']);
    const dir = rest[0];
    if (!dir) { process.stderr.write(`usage: portcullis ${this.usage}\n`); return 2; }
    const r = loadDomainDir(dir, { strict: flags.strict === true, failureMode: 'closed', mergeDomains: flags['merge-domains'] === true });
    if (!r.set) {
      process.stderr.write(`${r.problems.length} error(s):\n${r.problems.map(formatRlsProblem).join('\n')}\n`);
      return 1;
    }
    for (const d of r.set.domains.values()) process.stdout.write(`${d.file}: domain ${d.domain}, ${d.limits} limit(s)\n`);
    process.stdout.write(`${dir}: ok (${r.set.domains.size} domain(s))\n`);
    return 0;
  },
};
