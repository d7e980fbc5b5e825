import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyParseError, parseBody } from '../../../src/policy/input/body.js';

/**
 * multipart/form-data bodies crafted so that the policy (Go's reading) and the upstream's parser (Go, PHP,
 * busboy, .NET clients) would see different fields: each must be read as the upstream reads it, or refused.
 */

const parse = (body: string, contentType = 'multipart/form-data; boundary=B'): Record<string, unknown[]> | undefined => {
  const p = parseBody(contentType, Buffer.from(body), false).parsed as object | undefined;
  return p === undefined ? undefined : ({ ...p }) as Record<string, unknown[]>;
};

describe('multipart bodies read as the upstream reads them, or refused', () => {
  it('a "--B--" LF line before the first delimiter is preamble in Go (its final delimiter needs CRLF until the first delimiter line), not the end', () => {
    const body = '--B--\n--B\nContent-Disposition: form-data; name="role"\n\nadmin\n--B--\n';
    // Go: isFinalBoundary compares with "\r\n" while nothing has switched the reader to LF, so the line is
    // skipped as preamble and role=admin is read
    assert.deepEqual(parse(body), { role: ['admin'] });
    // with CRLF it is the final delimiter in Go too: nothing follows (anything that looks like more parts is below)
    assert.deepEqual(parse('--B--\r\n'), {});
    assert.deepEqual(parse('--B--'), {});
  });

  it('a delimiter after the closing delimiter is refused: PHP reads on past "--B--" and parses the parts after it', () => {
    // PHP's find_boundary skips lines until one is exactly "--B", so "--B--" does not end its reading; Go stops
    for (const body of [
      '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B--\r\n--B\r\nContent-Disposition: form-data; name="role"\r\n\r\nadmin\r\n--B--\r\n',
      '--B--\r\n--B\r\nContent-Disposition: form-data; name="role"\r\n\r\nadmin\r\n--B--\r\n',
      '--B--\r\n--B\nContent-Disposition: form-data; name="role"\n\nadmin\n--B--\n',
    ]) assert.throws(() => parse(body), BodyParseError, JSON.stringify(body));
    // an epilogue without the boundary is ignored, as everyone ignores it
    assert.deepEqual(parse('--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B--\r\nthat is all\r\n'), { a: ['1'] });
  });

  it('a Content-Disposition Go cannot read, or not form-data, is refused when it names a field: PHP and busboy read the name anyway', () => {
    // Go: ParseMediaType fails (or the type is not form-data), FormName is "", the part is skipped; PHP splits
    // the header on ";" and takes any name=, whatever the type
    for (const cd of [
      'form-data; name=role; note="unclosed',
      'form-data; name=role; =x',
      'attachment; name="role"',
      'form-data name="role"',
    ]) assert.throws(() => parse(`--B\r\nContent-Disposition: ${cd}\r\n\r\nadmin\r\n--B--\r\n`), BodyParseError, cd);
    // parts without a disposition, or a form-data one without a name, are skipped by every reader
    assert.deepEqual(parse('--B\r\nContent-Type: text/plain\r\n\r\n1\r\n--B\r\nContent-Disposition: form-data; filename="f"\r\n\r\n2\r\n--B\r\nContent-Disposition: form-data; name=""\r\n\r\n3\r\n--B--\r\n'), {});
  });

  it('a line in a part that starts with "--B" but is no delimiter is refused: PHP ends the part at any "\\n--B"', () => {
    // PHP's multipart_buffer_read stops at the first "\n--B" whatever follows (and drops a "\r" before it),
    // then skips lines to the next exact "--B"; Go's part goes on to "\r\n--B" + space/CR/LF/"--"
    for (const content of [
      'admin\r\n--BX\r\nmore',            // "--B" followed by other characters: a longer boundary in Go
      'admin\n--B\r\nContent-Disposition: form-data; name="x"\r\n\r\n1', // a bare LF before it in a CRLF body
      '\n--B tail',                         // at the very start of the content
    ]) assert.throws(() => parse(`--B\r\nContent-Disposition: form-data; name="role"\r\n\r\n${content}\r\n--B--\r\n`), BodyParseError, JSON.stringify(content));
    assert.throws(() => parse('--B\nContent-Disposition: form-data; name="role"\n\nadmin\n--Bx\n--B--\n'), BodyParseError);
    // "--B" inside a line, and "-B" or "--x" at the start of one, are content for every reader
    assert.deepEqual(parse('--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nx--B\r\n-B\r\n--x\r\n--B--\r\n'), { a: ['x--B\r\n-B\r\n--x'] });
  });

  it("a file part with filename*= (every .NET HttpClient upload: filename=…; filename*=utf-8''…) is read by its name", () => {
    const dotnet = "--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: form-data; name=upload; filename=\"=?utf-8?B?w6kudHh0?=\"; filename*=utf-8''%C3%A9.txt\r\n\r\nhello\r\n--B--\r\n";
    assert.deepEqual(parse(dotnet), { upload: ['hello'] });
    // the name itself in RFC 2231 form is still refused (Go decodes it, others read name= or nothing)
    assert.throws(() => parse("--B\r\nContent-Disposition: form-data; name*=utf-8''role\r\n\r\nadmin\r\n--B--\r\n"), BodyParseError);
    assert.throws(() => parse("--B\r\nContent-Disposition: form-data; name=a; name*0=role\r\n\r\nadmin\r\n--B--\r\n"), BodyParseError);
  });

  it('a Content-Type from which PHP takes another boundary is refused (PHP: the text after the first "boundary" and "=")', () => {
    const body = '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B--\r\n';
    for (const ct of [
      'multipart/form-data; xboundary=A; boundary=B',
      'multipart/form-data; charset="boundary=A"; boundary=B',
      'multipart/form-data; boundary= B', // PHP keeps the space
    ]) assert.throws(() => parseBody(ct, Buffer.from(body), false), BodyParseError, ct);
    // what clients send reads the same in both
    for (const [ct, b] of [
      ['multipart/form-data; boundary=----WebKitFormBoundaryx7Ab', '----WebKitFormBoundaryx7Ab'],
      ['multipart/form-data; boundary="0f1e-2d3c"', '0f1e-2d3c'],
      ['multipart/form-data; boundary=------------------------d74496d66958873e; charset=UTF-8', '------------------------d74496d66958873e'],
      ['multipart/form-data;boundary=axios-123', 'axios-123'],
      ['Multipart/Form-Data; Boundary=Zz', 'Zz'],
    ] as const) {
      const p = parseBody(ct, Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--${b}--\r\n`), false).parsed as Record<string, unknown[]>;
      assert.deepEqual({ ...p }, { a: ['1'] }, ct);
    }
  });

  it('a part declaring another charset than UTF-8 is refused unless its text is plain ASCII: busboy decodes it in that charset, Go and PHP do not', () => {
    const part = (ctype: string, content: Buffer): Buffer => Buffer.concat([
      Buffer.from(`--B\r\nContent-Disposition: form-data; name="role"\r\nContent-Type: ${ctype}\r\n\r\n`), content, Buffer.from('\r\n--B--\r\n')]);
    const read = (b: Buffer): unknown => ({ ...(parseBody('multipart/form-data; boundary=B', b, false).parsed as object) });
    // busboy (multer, fastify-multipart) hands the upstream "admin"; the policy would see "a\0d\0m\0i\0n\0"
    for (const [ctype, content] of [
      ['text/plain; charset=utf-16le', Buffer.from('admin', 'utf16le')],
      ['text/plain; charset="UTF-16"', Buffer.from('\ufeffadmin', 'utf16le')],
      ['text/plain; charset=iso-2022-jp', Buffer.from('\x1b(Badmin')],
      ['text/plain; charset=iso-8859-1', Buffer.from([0x4a, 0x6f, 0x73, 0xe9])],
    ] as const) assert.throws(() => read(part(ctype, content)), BodyParseError, ctype);
    // UTF-8 and ASCII-only text in an ASCII-compatible charset read the same everywhere (Java's HttpClient
    // labels text parts ISO-8859-1)
    assert.deepEqual(read(part('text/plain; charset=ISO-8859-1', Buffer.from('admin\tx'))), { role: ['admin\tx'] });
    assert.deepEqual(read(part('text/plain; charset=utf-8', Buffer.from('José'))), { role: ['José'] });
    assert.deepEqual(read(part('text/plain; charset=US-ASCII', Buffer.from('a'))), { role: ['a'] });
  });

  it('two Content-Transfer-Encoding headers are refused: Go reads the first, a reader keeping the last (python-multipart decodes base64 and quoted-printable) another value', () => {
    assert.throws(() => parse('--B\r\nContent-Disposition: form-data; name="role"\r\nContent-Transfer-Encoding: 7bit\r\nContent-Transfer-Encoding: base64\r\n\r\nYWRtaW4=\r\n--B--\r\n'), BodyParseError);
  });

  it('what common clients send is read: curl -F, Chrome and Firefox (UTF-8 names and values), Python requests, undici FormData, Java HttpClient', () => {
    const body = (b: string, parts: string[]): string => `${parts.map((p) => `--${b}\r\n${p}\r\n`).join('')}--${b}--\r\n`;
    const cases: Array<[string, string, Record<string, unknown[]>]> = [
      ['------------------------d74496d66958873e', body('------------------------d74496d66958873e', [
        'Content-Disposition: form-data; name="a"\r\n\r\n1',
        'Content-Disposition: form-data; name="f"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\nhello\n',
      ]), { a: ['1'], f: ['hello\n'] }],
      ['----WebKitFormBoundary7MA4YWxkTrZu0gW', body('----WebKitFormBoundary7MA4YWxkTrZu0gW', [
        'Content-Disposition: form-data; name="prénom"\r\n\r\nJosé',
        'Content-Disposition: form-data; name="a%22b"\r\n\r\n2',
        'Content-Disposition: form-data; name="cv"; filename="résumé.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4',
      ]), { 'prénom': ['José'], 'a%22b': ['2'], cv: ['%PDF-1.4'] }],
      ['---------------------------9051914041544843365972754266', body('---------------------------9051914041544843365972754266', [
        'Content-Disposition: form-data; name="text"\r\n\r\ntext default',
      ]), { text: ['text default'] }],
      ['4f1ef1c5c6b84b3c9ad8d07a0a7d2b52', body('4f1ef1c5c6b84b3c9ad8d07a0a7d2b52', [
        'Content-Disposition: form-data; name="a"\r\n\r\n1',
        'Content-Disposition: form-data; name="file"; filename="data.json"\r\nContent-Type: application/json\r\n\r\n{"k":[1,2]}',
      ]), { a: ['1'], file: [{ k: [1, 2] }] }],
      ['----formdata-undici-0859294723462', body('----formdata-undici-0859294723462', [
        'Content-Disposition: form-data; name="blob"; filename="blob"\r\nContent-Type: application/octet-stream\r\n\r\nxyz',
      ]), { blob: ['xyz'] }],
      ['Vf3T8kVxNs', body('Vf3T8kVxNs', [
        'Content-Disposition: form-data; name="note"\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nplain text',
      ]), { note: ['plain text'] }],
    ];
    for (const [b, text, want] of cases) assert.deepEqual(parse(text, `multipart/form-data; boundary=${b}`), want, b);
  });
});
