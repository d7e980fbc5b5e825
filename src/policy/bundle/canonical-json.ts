/**
 * The canonical form OPA hashes for structured bundle files (data.json, .manifest) when it signs a
 * bundle: objects with keys sorted byte-wise, no whitespace, strings encoded as Go's encoding/json does
 * (HTML escaping off), numbers exactly as written. JSON.parse would lose number spellings ("1.0"),
 * so this walks the text itself.
 */

type Node =
  | { t: 'lit'; raw: string } // number, true, false, null: emitted as written
  | { t: 'str'; v: string }
  | { t: 'arr'; items: Node[] }
  | { t: 'obj'; entries: Map<string, Node> };

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): Node {
    const v = this.value(0);
    this.ws();
    if (this.i !== this.s.length) this.fail('trailing characters');
    return v;
  }

  private fail(what: string): never {
    throw new SyntaxError(`invalid JSON at offset ${this.i}: ${what}`);
  }

  private ws(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++; else break;
    }
  }

  private value(depth: number): Node {
    if (depth > 512) this.fail('nesting too deep');
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return { t: 'str', v: this.string() };
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) this.fail('unexpected character');
    this.i += m[0].length;
    return { t: 'lit', raw: m[0] };
  }

  private string(): string {
    const start = this.i;
    this.i++;
    for (;;) {
      const c = this.s.charCodeAt(this.i);
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c === 0x22) break;
      if (c === 0x5c) this.i += 2; else this.i++;
    }
    this.i++;
    return JSON.parse(this.s.slice(start, this.i)) as string;
  }

  private array(depth: number): Node {
    this.i++;
    const items: Node[] = [];
    this.ws();
    if (this.s[this.i] === ']') { this.i++; return { t: 'arr', items }; }
    for (;;) {
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return { t: 'arr', items };
      if (c !== ',') this.fail('expected , or ]');
    }
  }

  private object(depth: number): Node {
    this.i++;
    const entries = new Map<string, Node>();
    this.ws();
    if (this.s[this.i] === '}') { this.i++; return { t: 'obj', entries }; }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a key');
      const k = this.string();
      this.ws();
      if (this.s[this.i++] !== ':') this.fail('expected :');
      entries.set(k, this.value(depth + 1)); // duplicate keys: the last wins, as in Go
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return { t: 'obj', entries };
      if (c !== ',') this.fail('expected , or }');
    }
  }
}

/** Go's encoding/json string encoding with SetEscapeHTML(false). */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function emit(n: Node, out: string[]): void {
  switch (n.t) {
    case 'lit': out.push(n.raw); return;
    case 'str': out.push(goJsonString(n.v)); return;
    case 'arr':
      out.push('[');
      n.items.forEach((x, i) => { if (i > 0) out.push(','); emit(x, out); });
      out.push(']');
      return;
    case 'obj': {
      const keys = [...n.entries.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      out.push('{');
      keys.forEach((k, i) => {
        if (i > 0) out.push(',');
        out.push(goJsonString(k), ':');
        emit(n.entries.get(k)!, out);
      });
      out.push('}');
    }
  }
}

/** Canonical bytes of a JSON document, as OPA hashes it. Throws SyntaxError for invalid JSON. */
export function canonicalJson(text: string): string {
  const out: string[] = [];
  emit(new Parser(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).parse(), out);
  return out.join('');
}
