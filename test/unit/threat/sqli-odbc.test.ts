import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL obfuscation: ODBC escape braces around an expression', () => {
  sqliFlags(['42 or {if char_length((select pw from admins where uid=1))>0}', "x' or {t 2}={t 2}--", '7 and {fn length(user())}>1']);
  sqliClean(['{#if cond}yes{/if} or no', 'Hello {name} and {count} items', '{x y} or z', 'use {color red} or {color blue}', '{{user name}} or 1']);
});
