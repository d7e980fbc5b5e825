import { xssClean, xssFlags } from './detector-cases.js';

// a sink name followed by a template is a tagged template call (alert`1`) wherever an expression may stand:
// the value's start, after an operator or a punctuator, a line break, or a keyword an expression follows
xssFlags('tagged templates', [
  'alert`1`', 'x`in alert`1`', 'x`return alert`1`', 'x` typeof alert`1`', 'x`;alert`1`', 'a\neval`x`', 'x`+eval`1`',
  '[1].map(prompt`1`)', 'void confirm`1`',
]);

// after another name on the same line the sink is no tag: two operands in a row are not JavaScript
xssClean('a sink word after another word in a code span', [
  '**Tip:** when using `opa eval`, you can pass the `--strict` flag to enable additional compiler checks',
  'With this feature, it is possible to pass a schema to `opa eval`, written in JSON Schema.',
  'Run `python -m eval` or `my alert` first',
]);

// `function` is a reserved word and never a tag; the constructor `Function` is one
xssFlags('the Function constructor as a tag', ['x`;Function`alert(1)```', 'Function`alert\\x281\\x29```']);
xssClean('a `function` code span in a parameter list', [
  '- **dispatch** `function` - The dispatch function to be called after every retry.\n- **opts** `object` - Options.',
  '- **abort** `function` - The abort function.',
]);
