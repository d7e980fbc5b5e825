import { xssClean, xssFlags } from './detector-cases.js';



xssFlags('CSS declarations whose url() runs script', [
  'list-style-image: url(vbscript', 'style=background-image:url("JavaScript', 'cursor:url(\'livescript:',
  'color:blue; -moz-binding: url(https://cdn.evil.test/x.xml#b)', 'zoom:1;behavior:url(/files/a.htc)', 'behaviour : url(c.htc)',
]);
xssClean('CSS urls and prose that run nothing', [
  'background:url(javascript/logo.png)', 'the url(javascript) helper', 'background: url(/img/vbscript-icon.svg)',
  'Firefox dropped -moz-binding in 2019', 'behavior: smooth', 'scroll-behavior:auto', 'icon:url(https://cdn.test/i.png)',
]);
