import type { Command } from '../cli/command.js';
import { parseFlags } from '../cli/command.js';
import { decodeValue } from './decode/normalize.js';
import { DEFAULT_DETECTOR_OPTIONS, INJECTION_FAMILIES, inspectValue, type InjectionFamily, type ParanoiaLevel } from './detectors/index.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `portcullis threat scan [--markup allow] [--families sqli,xss] [--paranoia 1-4] [--decoded] VALUE…` (or one value per
 * stdin line): what the injection detectors find in each value, as JSON lines. For triaging a false
 * positive or checking a payload without sending traffic.
 */
export const threatScanCommand: Command = {
  name: 'threat scan',
  summary: 'Run the injection detectors on values (arguments or stdin lines) and print the findings',
  usage: 'threat scan [--families sqli,xss,traversal,cmdi] [--markup flag|allow] [--paranoia 1-4] [--decoded] [VALUE…]',
  async run(args) {
    const { flags, rest } = parseFlags(args, ['decoded']);
    const fams = typeof flags.families === 'string' ? flags.families.split(',').map((f) => f.trim()) : [...INJECTION_FAMILIES];
    const unknown = fams.filter((f) => !(INJECTION_FAMILIES as readonly string[]).includes(f));
    if (unknown.length > 0) { process.stderr.write(`unknown families: ${unknown.join(', ')} (known: ${INJECTION_FAMILIES.join(', ')})\n`); return 2; }
    const markup = flags.markup === 'allow' ? 'allow' : 'flag';
    const pl = flags.paranoia === undefined ? 1 : Number(flags.paranoia);
    if (!Number.isInteger(pl) || pl < 1 || pl > 4) { process.stderr.write('--paranoia must be 1, 2, 3 or 4\n'); return 2; }
    const opts = { ...DEFAULT_DETECTOR_OPTIONS, families: new Set(fams as InjectionFamily[]), markup, paranoia: pl as ParanoiaLevel } as const;
    const values = rest.length > 0 ? rest : (await readStdin()).split('\n').filter((l) => l !== '');
    let flagged = 0;
    for (const v of values) {
      const findings = inspectValue(v, opts);
      if (findings.some((f) => f.confidence >= 0.8)) flagged++;
      const line: Record<string, unknown> = { value: v.length > 200 ? `${v.slice(0, 200)}…` : v, findings };
      if (flags.decoded) line.decoded = decodeValue(v).full.slice(0, 200);
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
    process.stderr.write(`${flagged}/${values.length} values at or above 0.8 (the default block threshold)\n`);
    return 0;
  },
};
