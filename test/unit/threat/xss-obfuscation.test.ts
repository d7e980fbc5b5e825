import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectValue, DEFAULT_DETECTOR_OPTIONS } from '../../../src/threat/detectors/index.js';

const xss = (v: string) => inspectValue(v, DEFAULT_DETECTOR_OPTIONS).find((f) => f.family === 'xss');

function flags(title: string, values: string[]): void {
  describe(title, () => {
    for (const v of values) {
      it(`flags ${JSON.stringify(v).slice(0, 70)}`, () => {
        const f = xss(v);
        assert.ok(f && f.confidence >= 0.8, `${v}: ${JSON.stringify(f)}`);
      });
    }
  });
}
function clean(title: string, values: string[]): void {
  describe(title, () => {
    for (const v of values) {
      it(`leaves ${JSON.stringify(v).slice(0, 70)}`, () => {
        const f = xss(v);
        assert.ok(!f || f.confidence < 0.8, `${v}: ${JSON.stringify(f)}`);
      });
    }
  });
}

flags('a member access on a browser global split by a block comment', [
  'window/**/.name', 'top /* a */ . location', 'localStorage/*k*/.getItem', '(parent /*p*/)[\'frames\']',
  'frames/*1*/[/*2*/`x`]', 'x=1;document\t/*  */\n.domain',
]);
clean('comments and globals that split nothing', [
  '/* default */ window.size', 'document.title /* the page title */', 'documents /* many */ . pdf', 'see the window /* aside */ seat',
  'a /* b */ . c', 'price /*net*/ 3.50',
]);

flags('a call without parentheses through a template tag', [
  'Function.prototype.call`${x}`', '[ ].forEach . apply `1`', 'o.bind`a${b}`', 'x=`${ eval }`', '`a${confirm}b`',
]);
clean('templates that call nothing', [
  'Done. Call `next()` when ready', 'recall`s the name', 'a `call` to action', 'Hello ${name}, welcome', '`${user.alert}`', 'say `${alertLevel}`', 'x.caller`q`',
]);

flags('JSFuck: script spelled from [ ] ( ) ! +', [
  '[][(![]+[])[+[]]]', '(!![]+[])[+!![]]+(![]+[])[!+[]+!+[]]', '([![]]+[][[]])[ !![] ]',
]);
clean('brackets in prose and markdown', [
  '![](logo.png) ![](icon.png)', '- [ ] todo (!) [x] done', '(!) see [1][2]', '[[]] (()) !!', '![] alt [ ] (empty)',
]);
