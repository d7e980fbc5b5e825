import { xssClean, xssFlags } from './detector-cases.js';



xssFlags('a member access on a browser global split by a block comment', [
  'window/**/.name', 'top /* a */ . location', 'localStorage/*k*/.getItem', '(parent /*p*/)[\'frames\']',
  'frames/*1*/[/*2*/`x`]', 'x=1;document\t/*  */\n.domain',
]);
xssClean('comments and globals that split nothing', [
  '/* default */ window.size', 'document.title /* the page title */', 'documents /* many */ . pdf', 'see the window /* aside */ seat',
  'a /* b */ . c', 'price /*net*/ 3.50',
]);

xssFlags('a call without parentheses through a template tag', [
  'Function.prototype.call`${x}`', '[ ].forEach . apply `1`', 'o.bind`a${b}`', 'x=`${ eval }`', '`a${confirm}b`',
]);
xssClean('templates that call nothing', [
  'Done. Call `next()` when ready', 'recall`s the name', 'a `call` to action', 'Hello ${name}, welcome', '`${user.alert}`', 'say `${alertLevel}`', 'x.caller`q`',
]);

xssFlags('JSFuck: script spelled from [ ] ( ) ! +', [
  '[][(![]+[])[+[]]]', '(!![]+[])[+!![]]+(![]+[])[!+[]+!+[]]', '([![]]+[][[]])[ !![] ]',
]);
xssClean('brackets in prose and markdown', [
  '![](logo.png) ![](icon.png)', '- [ ] todo (!) [x] done', '(!) see [1][2]', '[[]] (()) !!', '![] alt [ ] (empty)',
]);
