import { isUtf8 } from 'node:buffer';

/**
 * True when a body is text: valid UTF-8 with no C0 control other than tab, LF, CR and form feed (and ESC with
 * `escapes`: ISO-2022's escape sequences). Images, archives, compressed and protobuf bodies fail it (NULs,
 * controls, bytes that are not UTF-8). Linear.
 */
export function textLike(b: Buffer, escapes = false): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c < 32 && c !== 9 && c !== 10 && c !== 12 && c !== 13 && !(escapes && c === 27)) return false;
    if (c === 127) return false;
  }
  return isUtf8(b);
}

/**
 * A media type that declares text an application reads as such (the body inspector and multipart file
 * parts share it): text/*, JSON (application/json, application/…+json), XML (application/xml, any +xml), GraphQL,
 * JavaScript and YAML. Content of any other type is read when textLike() says it is text.
 */
export function declaresText(mt: string): boolean {
  return mt.startsWith('text/') || (mt.startsWith('application/') && (mt === 'application/json' || mt.endsWith('+json'))) || mt === 'application/xml' || mt.endsWith('+xml') ||
    mt === 'application/graphql' || mt === 'application/javascript' || mt === 'application/x-yaml' || mt === 'application/yaml';
}

/**
 * A media type that declares a binary format no detector reads: Protocol Buffers (Prometheus remote_write
 * sends `application/x-protobuf` with `Content-Encoding: snappy`; OTLP over HTTP with gzip or zstd), gRPC,
 * images, audio, video and fonts. Compressed or not, such a body is read only if its bytes are text, so its
 * Content-Encoding is not undone (an unknown one, such as snappy or zstd, is not a reason to refuse it).
 */
export function declaresBinary(mt: string): boolean {
  return mt === 'application/x-protobuf' || mt === 'application/protobuf' || mt === 'application/vnd.google.protobuf' ||
    mt === 'application/x-google-protobuf' || mt.startsWith('application/grpc') || mt.endsWith('+proto') || mt.endsWith('+protobuf') ||
    mt.startsWith('image/') || mt.startsWith('audio/') || mt.startsWith('video/') || mt.startsWith('font/');
}
