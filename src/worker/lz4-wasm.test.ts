// The workerd LZ4 loader against the Node build: same bytes out, each decodes the other's
// output, corrupt input fails with an error instead of returning data.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { instantiateLz4 } from './lz4-wasm.js';
import { Prng } from '../util/prng.js';

const require = createRequire(import.meta.url);
const nodeLz4 = require('lz4-wasm-nodejs') as { compress(b: Uint8Array): Uint8Array; decompress(b: Uint8Array): Uint8Array };
const wa = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object } }).WebAssembly;
// The module the Worker bundles (src/worker/wasm.ts): lz4-wasm-nodejs's own .wasm.
const wasmModule = new wa.Module(readFileSync(require.resolve('lz4-wasm-nodejs/lz4_wasm_nodejs_bg.wasm')));

describe('lz4-wasm loader (workerd build)', () => {
  const lz4 = instantiateLz4(wasmModule);
  const r = new Prng(7);
  const inputs: Uint8Array[] = [new Uint8Array(0), Uint8Array.from([1, 2, 3]), new Uint8Array(4096).fill(65)];
  for (let i = 0; i < 20; i++) {
    const n = r.int(20000);
    const b = r.bytes(n);
    // Compressible runs inside random bytes.
    for (let j = 0; j + 8 < n; j += 16) b.fill(j & 0xff, j, j + 8);
    inputs.push(b);
  }
  inputs.push(new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) & 0x7f)); // grows wasm memory

  it('compresses byte-identically to lz4-wasm-nodejs and round-trips both ways', () => {
    for (const input of inputs) {
      const mine = lz4.compress(input);
      expect(Buffer.from(mine).equals(Buffer.from(nodeLz4.compress(input)))).toBe(true);
      expect(Buffer.from(lz4.decompress(mine)).equals(Buffer.from(input))).toBe(true);
      expect(Buffer.from(nodeLz4.decompress(mine)).equals(Buffer.from(input))).toBe(true);
    }
  });

  it('rejects corrupt input with an error and keeps working afterwards', () => {
    const good = lz4.compress(inputs[5]!);
    const bad = good.slice(0, Math.floor(good.length / 2));
    bad[0] = 0xff;
    bad[1] = 0xff;
    expect(() => lz4.decompress(bad)).toThrow();
    expect(Buffer.from(lz4.decompress(good)).equals(Buffer.from(inputs[5]!))).toBe(true);
  });
});
