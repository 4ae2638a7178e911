// The WebAssembly the engine needs in workerd, bundled by wrangler as compiled modules:
// parquet-wasm (the cold tier's Parquet writer) and the .wasm of lz4-wasm-nodejs (SSTable block
// compression; the same module Node loads, so one lz4 package serves both runtimes).
// Instantiated once per isolate, on the first database open.
import parquetWasm from 'parquet-wasm/esm/parquet_wasm_bg.wasm';
import lz4Wasm from 'lz4-wasm-nodejs/lz4_wasm_nodejs_bg.wasm';
import { initParquet } from '../columnar/index.js';
import { registerLz4 } from './lz4-wasm.js';

let ready = false;

export function initWasm(): void {
  if (ready) return;
  registerLz4(lz4Wasm);
  initParquet(parquetWasm);
  ready = true;
}
