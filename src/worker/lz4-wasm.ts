// LZ4 for workerd. The hot tier's blocks are LZ4 (src/sstable/compression.ts); Node loads
// lz4-wasm-nodejs, whose JS glue reads its .wasm with `fs`. In workerd the Worker bundles that
// same `lz4_wasm_nodejs_bg.wasm` as a compiled module (code generation from bytes is forbidden
// there) and this file instantiates it, so the package has one lz4 dependency for both runtimes
// (issue 22's dependency trim: lz4-wasm, the bundler build, was a second copy Node never loaded).
//
// The calls follow the crate's wasm-bindgen ABI (lz4-wasm-nodejs 0.9.2, pinned in package-lock;
// the bundler build lz4-wasm 0.9.2 exports the same functions and differs only in the name of
// its import module, which is also provided below):
// `compress(retptr, ptr, len)` writes (ptr, len) of the output at retptr; `decompress` writes
// (ptr, len, errIndex, isErr), where errIndex names a string made by the one import,
// `__wbindgen_string_new`. Output buffers are freed with `__wbindgen_free`. A round-trip test
// against lz4-wasm-nodejs (lz4-wasm.test.ts) pins the ABI.
import { DoSQLError } from '../errors.js';
import { codecById, compressionId, lz4Codec, registerCodec, type BlockCodec } from '../sstable/compression.js';

interface Lz4Exports {
  memory: { buffer: ArrayBuffer };
  compress(retptr: number, ptr: number, len: number): void;
  decompress(retptr: number, ptr: number, len: number): void;
  __wbindgen_add_to_stack_pointer(delta: number): number;
  __wbindgen_malloc(size: number): number;
  __wbindgen_free(ptr: number, size: number): void;
}

interface WasmApi {
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}

/** compress/decompress over an instance of lz4-wasm's module. */
export function instantiateLz4(module: object): { compress(b: Uint8Array): Uint8Array; decompress(b: Uint8Array): Uint8Array } {
  const strings: string[] = [];
  const decoder = new TextDecoder();
  let wasm: Lz4Exports;
  const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const glue = {
    __wbindgen_string_new: (ptr: number, len: number): number => {
      strings.push(decoder.decode(new Uint8Array(wasm.memory.buffer, ptr, len)));
      return strings.length - 1;
    },
  };
  // The import module's name: '__wbindgen_placeholder__' in the nodejs build, './lz4_wasm_bg.js' in the bundler build.
  const instance = new wa.Instance(module, { __wbindgen_placeholder__: glue, './lz4_wasm_bg.js': glue });
  wasm = instance.exports as Lz4Exports;

  const call = (fn: 'compress' | 'decompress', input: Uint8Array): Uint8Array => {
    const retptr = wasm.__wbindgen_add_to_stack_pointer(-16);
    try {
      const ptr = wasm.__wbindgen_malloc(input.length);
      new Uint8Array(wasm.memory.buffer).set(input, ptr);
      wasm[fn](retptr, ptr, input.length);
      // The memory may have grown during the call: take fresh views.
      const words = new Int32Array(wasm.memory.buffer, retptr, 4);
      const [outPtr, outLen, errIndex, isErr] = [words[0]!, words[1]!, words[2]!, words[3]!];
      if (fn === 'decompress' && isErr) {
        const msg = strings[errIndex] ?? 'unknown error';
        strings.length = 0;
        throw new Error(msg);
      }
      const out = new Uint8Array(wasm.memory.buffer, outPtr, outLen).slice();
      wasm.__wbindgen_free(outPtr, outLen);
      return out;
    } finally {
      wasm.__wbindgen_add_to_stack_pointer(16);
    }
  };
  return { compress: (b) => call('compress', b), decompress: (b) => call('decompress', b) };
}

/** Registers the LZ4 block codec from lz4-wasm's compiled module, once per isolate. */
export function registerLz4(module: object): BlockCodec {
  const have = codecById(compressionId('lz4'));
  if (have) return have;
  let codec: BlockCodec;
  try {
    codec = lz4Codec(instantiateLz4(module));
  } catch (e) {
    throw new DoSQLError('NOT_SUPPORTED', `worker: could not instantiate lz4-wasm: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  registerCodec(codec);
  return codec;
}
