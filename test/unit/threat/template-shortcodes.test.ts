import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { xssClean, xssFlags } from './detector-cases.js';

const top = (v: string) => Math.max(0, ...inspectValue(v, DEFAULT_DETECTOR_OPTIONS).map((f) => f.confidence));

// a gadget name inside {{…}} is a whole identifier: `alerts` and `$one` are other names
xssFlags('template expressions reaching a gadget', ["{{constructor.constructor('alert(1)')()}}", "{{$on.constructor('alert(1)')()}}",
  '{{alert(1)}}', "{{'a'.__proto__.x=1}}", "{{$eval.constructor('alert(1)')()}}", "{{$emit.constructor('alert(1)')()}}", "{{x = {'y':''.constructor.prototype}}}"]);
xssClean('Hugo shortcodes naming paths and parameters', [
  'Most of [our components]({{< docsref "/components/alerts" >}}) are built with flexbox enabled.',
  '{{< docsref "/components/alerts#dismissing" >}} and {{% note %}}', '{{< param "constructors_page" >}}', '{{ $one := 1 }}']);

describe('template injection probes stay refused whatever family reads them', () => {
  for (const p of ['{{7*7}}', "{{''.__class__}}", '${7*7}', '<%= 7*7 %>', "{{constructor.constructor('alert(1)')()}}",
    "{{''.__class__.__mro__[1].__subclasses__()}}", '{{alert(document.domain)}}']) {
    it(`flags ${JSON.stringify(p)}`, () => assert.ok(top(p) >= 0.8, `${p}: ${JSON.stringify(inspectValue(p, DEFAULT_DETECTOR_OPTIONS))}`));
  }
});

// a sink name glued to a backtick on its left is template text (or a syntax error), never a tag
xssFlags('tagged templates calling a sink', ['alert`1`', '`;alert`1`', '${alert`1`}', "'-alert`1`-'", 'x`in alert`1`', '";eval`alert\\x281\\x29`//',
  'top.alert`1`', '<svg onload=alert`1`>']);
xssClean('markdown code spans naming a sink', ['the Windows backend requests `FILE_NOTIFY_CHANGE_LAST_WRITE` to support `Write` events on files.',
  'the stream has a `write` method and a `writeln` one', '`write` and `writeln` are deprecated']);
