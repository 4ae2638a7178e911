// usearch's Node binding saves and loads graphs by file path only: this codec turns a graph
// into bytes (and back) through a file in a private temporary folder, so per-layer vector
// indexes can be stored as objects next to their layer (src/vector/layer-file.ts). Node only.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setGraphCodec, type UsearchIndex } from '../vector/index.js';

let dir: string | undefined;
let seq = 0;

function tempPath(): string {
  dir ??= mkdtempSync(join(tmpdir(), 'dosql-usearch-'));
  return join(dir, `g${process.pid}-${seq++}.usearch`);
}

setGraphCodec({
  save(index: UsearchIndex): Uint8Array {
    const p = tempPath();
    try {
      index.save(p);
      return new Uint8Array(readFileSync(p));
    } finally {
      rmSync(p, { force: true });
    }
  },
  load(index: UsearchIndex, bytes: Uint8Array): void {
    const p = tempPath();
    try {
      writeFileSync(p, bytes);
      index.load(p);
    } finally {
      rmSync(p, { force: true });
    }
  },
});
