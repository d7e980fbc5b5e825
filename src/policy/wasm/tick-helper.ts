/**
 * A tiny Wasm module that turns a JavaScript function into a Wasm function: only Wasm functions can be
 * stored in a funcref table (eval-deadline.ts puts one into the policy's table).
 *
 *   (module
 *     (type (func (result i32)))
 *     (import "p" "tick" (func $t (type 0)))
 *     (func (export "tick") (type 0) call $t))
 */
const BYTES = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
  0x02, 0x0a, 0x01, 0x01, 0x70, 0x04, 0x74, 0x69, 0x63, 0x6b, 0x00, 0x00, // import "p" "tick" func type 0
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x07, 0x08, 0x01, 0x04, 0x74, 0x69, 0x63, 0x6b, 0x00, 0x01, // export "tick" = function 1
  0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0b, // body: call 0; end
]);

let module: WebAssembly.Module | undefined;

/** `tick` as a Wasm function (the module is compiled once per thread). */
export function wasmTick(tick: () => number): Function {
  module ??= new WebAssembly.Module(BYTES);
  return new WebAssembly.Instance(module, { p: { tick } }).exports.tick as Function;
}
