import { xssClean, xssFlags } from './detector-cases.js';



xssFlags('7-bit markup whose Latin-1 characters arrived as UTF-8 bytes read one by one', [
  '\\xc2\\xbcobject\\xc2\\xbe', '\\xc2\\xbcembed\\xc2\\xbe',
]);
xssClean('mojibake of ordinary fractions', ['Â¼ cup sugar, Â¾ cup flour', '\\xc2\\xbc inch and \\xc2\\xbe inch bolts']);
