// Block codecs. The hot tier compresses SSTable blocks with LZ4 (lz4-wasm, the lz4_flex
// block format with a u32le uncompressed-size prefix): measured on 4 KiB blocks of
// db_bench-style values, LZ4 compresses at ~600 MB/s and decompresses at ~1 GB/s,
// zstd level 1 (@bokuweb/zstd-wasm) at ~110 / ~260 MB/s for a 20% smaller block.
// Runtimes register their wasm build: Node loads lz4-wasm-nodejs on demand; the Worker
// entry instantiates the same package's .wasm (src/worker/lz4-wasm.ts).
import { DoSQLError } from '../errors.js';
import { COMPRESSION_LZ4, COMPRESSION_NONE } from './format.js';

export interface BlockCodec {
  /** Persisted compression type (format.ts). */
  readonly id: number;
  readonly name: string;
  compress(data: Uint8Array): Uint8Array;
  decompress(data: Uint8Array): Uint8Array;
}

export type CompressionName = 'none' | 'lz4';

const codecs = new Map<number, BlockCodec>();

/** Makes a codec available to writers and readers in this process. */
export function registerCodec(codec: BlockCodec): void {
  codecs.set(codec.id, codec);
}

export function codecById(id: number): BlockCodec | undefined {
  return codecs.get(id);
}

export function compressionId(name: CompressionName): number {
  return name === 'lz4' ? COMPRESSION_LZ4 : COMPRESSION_NONE;
}

interface Lz4Module {
  compress(b: Uint8Array): Uint8Array;
  decompress(b: Uint8Array): Uint8Array;
}

/** Wraps an lz4-wasm build (Node or bundler flavour) as the LZ4 codec. */
export function lz4Codec(mod: Lz4Module): BlockCodec {
  return {
    id: COMPRESSION_LZ4,
    name: 'lz4',
    compress: (b) => mod.compress(b),
    decompress: (b) => {
      try {
        return mod.decompress(b);
      } catch (e) {
        // lz4-wasm throws strings
        throw new Error(`lz4: ${String(e)}`);
      }
    },
  };
}

/**
 * Ensures the codec for `name` is registered, loading the Node build of lz4-wasm on first
 * use when running under Node. In other runtimes the entry point must register it.
 */
export async function ensureCodec(name: CompressionName): Promise<void> {
  if (name === 'none' || codecs.has(compressionId(name))) return;
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (name === 'lz4' && isNode) {
    // A specifier in a variable: bundlers (wrangler's esbuild) then leave the Node-only build,
    // which reads its .wasm with `fs`, out of Worker bundles.
    const nodeBuild = 'lz4-wasm-nodejs';
    const mod = (await import(nodeBuild)) as Lz4Module & { default?: Lz4Module };
    registerCodec(lz4Codec(mod.default ?? mod));
    return;
  }
  throw new DoSQLError('NOT_SUPPORTED', `sstable: compression '${name}' has no codec registered in this runtime`);
}
