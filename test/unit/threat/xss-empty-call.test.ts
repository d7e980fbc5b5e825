import { xssClean, xssFlags } from './detector-cases.js';

// write(), writeln(), constructor() and fromCharCode() called with nothing between the parentheses do nothing:
// in docs they name an API (`Buffer.write()`); with an argument, or for alert()/prompt(), they are still script
xssFlags('sinks with arguments after a string break or on document are script', [
  "';document.write(\"<img src=x>\")//",
  '"-document.writeln(\'x\')-"',
  "';String.fromCharCode(88,83,83)//",
  "[].constructor.constructor('alert(1)')()",
  "';alert()//",
  'x";document.write(document.cookie);//',
]);

xssClean('an empty call naming a write/constructor API in docs', [
  'Fix out-of-bounds (OOB) write in `Buffer.write()` for UCS-2 encoding (CVE-2018-12115)',
  "* `chunk` {Buffer|string|any} The `Buffer` to be written, converted from the\n  `string` passed to [`stream.write()`][stream-write]. If the stream's\n  `decodeStrings` option is `false`, the chunk will not be converted.",
  'const PopperJS = jest.requireActual("popper.js");\nclass Popper {\n  static placements = PopperJS.placements;\n\n  constructor() {\n    this.name = 1;\n  }\n}',
]);
