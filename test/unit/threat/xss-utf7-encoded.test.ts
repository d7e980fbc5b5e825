import { xssClean, xssFlags } from './detector-cases.js';

xssFlags('UTF-7 markup whose every byte is percent-encoded, once or twice', [
  '%2B%41%44%77%2D%70%2B%41%44%34%2D%57%65%6C%63%6F%6D%65%2B%41%44%77%2D%2B%41%43%38%2D%70%2B%41%44%34%2D',
  '%252B%2541%2544%2577%252D%2562%252B%2541%2544%2534%252Dhi%252B%2541%2544%2577%252D%252B%2541%2543%2538%252Db%252B%2541%2544%2534%252D',
]);

xssClean('percent-encoded markup and text that is not UTF-7', [
  '%3Cp%3Ehello%3C%2Fp%3E', '%253Cb%253Ebold%253C%252Fb%253E', 'C%2B%2B and %41%44%77 words', '%2B1 555 0100 %3Cp%3E', '%2BADDRESS%2D line %3Cb%3Ex%3C%2Fb%3E',
]);
