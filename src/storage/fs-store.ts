// Node-only: the filesystem ObjectStore. Imported by the Node entry points, never by the
// core layers (which must also run in workerd).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { threadId } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { DoSQLError, asIoError } from '../errors.js';
import {
  checkKey,
  type AppendableObject,
  type GetOptions,
  type GetResult,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type PutResult,
} from './object-store.js';

const fdatasync = promisify(fs.fdatasync);
const fsyncAsync = promisify(fs.fsync);

export interface FsObjectStoreOptions {
  /** fsync files and directories on put (default true). Turn off only for throwaway data. */
  fsync?: boolean;
  /** Open descriptors kept for ranged reads (LevelDB's table cache). Default 512. */
  maxOpenFiles?: number;
}

let tmpCounter = 0;
/** Unique per process and thread: worker threads share the pid but not module state. */
const tmpPrefix = `tmp-${process.pid}-${threadId}-${randomBytes(4).toString('hex')}`;

/** Folder under the root for temp and lock files; no object key may start with it. */
export const FS_INTERNAL_DIR = '.dosql-internal';

/** iovecs per writev call (POSIX guarantees IOV_MAX >= 16; Linux allows 1024). */
const WRITEV_BATCH = 1024;

/**
 * Writes every chunk to `fd` at its current position, many chunks per system call (writev):
 * an SSTable arrives as two chunks per block (payload, trailer), tens of thousands per file,
 * and one write(2) each cost more than the compaction's checksums.
 */
function writeAllSync(fd: number, chunks: readonly Uint8Array[]): void {
  for (let i = 0; i < chunks.length; i += WRITEV_BATCH) {
    const batch = chunks.slice(i, i + WRITEV_BATCH);
    let want = 0;
    for (const c of batch) want += c.length;
    let done = fs.writevSync(fd, batch);
    if (done === want) continue;
    // A short write: finish chunk by chunk from where it stopped.
    for (const c of batch) {
      if (done >= c.length) {
        done -= c.length;
        continue;
      }
      let off = done;
      done = 0;
      while (off < c.length) off += fs.writeSync(fd, c, off, c.length - off);
    }
  }
}

/**
 * `ObjectStore` on a local folder, laid out exactly like the bucket would be
 * (key "a/b/c" is the file `<root>/a/b/c`).
 *
 * - put is atomic: write a temp file, fsync it, rename over the key (or link it, for
 *   create-if-absent, which fails with EEXIST if another writer won), fsync the directory.
 * - if-match is a compare-and-rename under a lock file created with O_EXCL.
 * - temp and lock files live in `<root>/.dosql-internal/`, outside the key namespace.
 * - etag is `<inode>-<size>-<mtime ns>`, which changes on every replace.
 * - ranged gets use a bounded cache of open descriptors and synchronous `pread`: keys read
 *   by range must be immutable once written (true of SSTables and Parquet runs), and a
 *   replace or delete through this store drops the cached descriptor.
 * - appendable objects are files opened O_APPEND; `sync` is fdatasync, plus one directory
 *   fsync after the file was created.
 */
export class FsObjectStore implements ObjectStore {
  readonly name: string;
  /** Whether puts fsync files and directories. */
  readonly fsyncEnabled: boolean;
  private readonly fsync: boolean;
  private readonly maxOpen: number;
  /** key -> open descriptor with the size and etag at open, in LRU order (Map insertion order). */
  private readonly fds = new Map<string, { fd: number; size: number; etag: string }>();
  private readonly knownDirs = new Set<string>();
  private closed = false;

  constructor(
    readonly root: string,
    options: FsObjectStoreOptions = {},
  ) {
    if (typeof root !== 'string' || root === '' || root.includes('\0')) {
      throw new DoSQLError('INVALID_ARGUMENT', `storage: the folder of an FsObjectStore must be a non-empty string without NUL, got ${typeof root === 'string' ? JSON.stringify(root.slice(0, 200)) : typeof root}`);
    }
    this.name = `fs:${root}`;
    this.fsync = options.fsync ?? true;
    this.fsyncEnabled = this.fsync;
    this.maxOpen = options.maxOpenFiles ?? 512;
    this.internalDir = path.join(root, FS_INTERNAL_DIR);
    try {
      fs.mkdirSync(path.join(this.internalDir, 'locks'), { recursive: true });
    } catch (e) {
      // A path that cannot be a folder is the caller's mistake; anything else is the file system's.
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'EEXIST') {
        throw new DoSQLError('INVALID_ARGUMENT', `storage: cannot use ${root} as a folder: ${(e as Error).message}`, { cause: e, details: { path: root } });
      }
      throw asIoError('storage', 'mkdir', root, e);
    }
  }

  private readonly internalDir: string;

  async get(key: string, options?: GetOptions): Promise<GetResult | null> {
    const file = this.pathOf(key);
    try {
      if (options?.range) {
        const cached = this.cachedFd(key, file);
        // A WAL segment grows by appends while readers (change data capture) page through it:
        // a range past the size seen at open looks again.
        if (options.range.offset + options.range.length > cached.size) {
          const st = fs.fstatSync(cached.fd, { bigint: true });
          cached.size = Number(st.size);
          cached.etag = etagOf(st);
        }
        const { fd, size, etag } = cached;
        const start = Math.min(options.range.offset, size);
        const len = Math.max(0, Math.min(options.range.length, size - start));
        const buf = new Uint8Array(len);
        let got = 0;
        while (got < len) {
          const n = fs.readSync(fd, buf, got, len - got, start + got);
          if (n === 0) break;
          got += n;
        }
        return { data: got === len ? buf : buf.subarray(0, got), size, etag };
      }
      const data = fs.readFileSync(file);
      const st = fs.statSync(file, { bigint: true });
      return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), size: data.byteLength, etag: etagOf(st) };
    } catch (e) {
      if (isAbsent(e)) return null;
      throw e;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    return this.headSync(key);
  }

  headSync(key: string): ObjectInfo | null {
    try {
      // No throw for an absent key: the writer's fence check after every group commit heads a
      // key that normally does not exist, and an ENOENT exception costs 4x the stat itself.
      const st = fs.statSync(this.pathOf(key), { bigint: true, throwIfNoEntry: false });
      if (st === undefined) return null;
      return { key, size: Number(st.size), etag: etagOf(st) };
    } catch (e) {
      if (isAbsent(e)) return null;
      throw e;
    }
  }

  async put(key: string, data: Uint8Array | readonly Uint8Array[], options?: PutOptions): Promise<PutResult> {
    const file = this.pathOf(key);
    const dir = path.dirname(file);
    this.ensureDir(dir);
    const tmp = path.join(this.internalDir, `${tmpPrefix}-${++tmpCounter}`);
    const fd = fs.openSync(tmp, 'w');
    try {
      writeAllSync(fd, data instanceof Uint8Array ? [data] : data);
      if (this.fsync) await fdatasync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const cond = options?.condition;
    try {
      if (cond && 'ifNoneMatch' in cond) {
        try {
          fs.linkSync(tmp, file);
        } catch (e) {
          if (isErrno(e, 'EEXIST')) {
            throw new DoSQLError('PRECONDITION_FAILED', `storage: ${key} already exists (create-if-absent)`, { details: { key } });
          }
          throw e;
        }
        fs.unlinkSync(tmp);
      } else if (cond && 'ifMatch' in cond) {
        await this.withLock(file, () => {
          const cur = this.etagAt(file);
          if (!cur || cur !== cond.ifMatch) {
            throw new DoSQLError('PRECONDITION_FAILED', `storage: ${key} etag mismatch (if-match ${cond.ifMatch})`, { details: { key } });
          }
          fs.renameSync(tmp, file);
        });
      } else {
        fs.renameSync(tmp, file);
      }
    } catch (e) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* already moved or gone */
      }
      throw e;
    }
    this.dropFd(key);
    if (this.fsync) await this.syncDir(dir);
    return { etag: this.etagAt(file) ?? '' };
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    this.assertOpen();
    const slash = prefix.lastIndexOf('/');
    const baseRel = slash < 0 ? '' : prefix.slice(0, slash);
    // Directory part of the prefix must be a valid key path: never walk outside the root.
    if (baseRel !== '' && baseRel.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) return [];
    const baseDir = baseRel ? path.join(this.root, baseRel) : this.root;
    const out: ObjectInfo[] = [];
    const walk = (dir: string, rel: string): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch (e) {
        if (isAbsent(e)) return;
        throw e;
      }
      for (const ent of entries) {
        if (!rel && ent.name === FS_INTERNAL_DIR) continue;
        const key = rel ? `${rel}/${ent.name}` : ent.name;
        if (ent.isDirectory()) {
          if (prefix.startsWith(`${key}/`) || key.startsWith(prefix) || `${key}/`.startsWith(prefix)) walk(path.join(dir, ent.name), key);
        } else if (key.startsWith(prefix)) {
          try {
            const st = fs.statSync(path.join(dir, ent.name), { bigint: true });
            out.push({ key, size: Number(st.size), etag: etagOf(st) });
          } catch (e) {
            if (!isAbsent(e)) throw e;
          }
        }
      }
    };
    walk(baseDir, baseRel);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    this.dropFd(key);
    try {
      fs.unlinkSync(this.pathOf(key));
    } catch (e) {
      if (!isAbsent(e)) throw e;
    }
  }

  async openAppendable(key: string): Promise<AppendableObject> {
    const file = this.pathOf(key);
    const dir = path.dirname(file);
    this.ensureDir(dir);
    const existed = fs.existsSync(file);
    const fd = fs.openSync(file, 'a');
    const size = fs.fstatSync(fd).size;
    return new FsAppendable(key, fd, size, existed ? null : dir, this);
  }

  async close(): Promise<void> {
    for (const { fd } of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
    this.closed = true;
  }

  /** @internal */
  async syncDir(dir: string): Promise<void> {
    if (!this.fsync) return;
    const fd = fs.openSync(dir, 'r');
    try {
      await fsyncAsync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  private etagAt(file: string): string | null {
    try {
      return etagOf(fs.statSync(file, { bigint: true }));
    } catch (e) {
      if (isAbsent(e)) return null;
      throw e;
    }
  }

  private async withLock(file: string, fn: () => void): Promise<void> {
    const lock = path.join(this.internalDir, 'locks', encodeURIComponent(path.relative(this.root, file)));
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        fs.closeSync(fs.openSync(lock, 'wx'));
        break;
      } catch (e) {
        if (!isErrno(e, 'EEXIST')) throw e;
        // A lock older than 30 s belongs to a crashed process.
        try {
          if (Date.now() - fs.statSync(lock).mtimeMs > 30_000) fs.unlinkSync(lock);
        } catch {
          /* raced with its owner */
        }
        if (Date.now() > deadline) throw new DoSQLError('BUSY', `storage: ${file} is locked by another writer`);
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    try {
      fn();
    } finally {
      fs.unlinkSync(lock);
    }
  }

  private cachedFd(key: string, file: string): { fd: number; size: number; etag: string } {
    let e = this.fds.get(key);
    if (e !== undefined) {
      this.fds.delete(key);
      this.fds.set(key, e);
      return e;
    }
    const fd = fs.openSync(file, 'r');
    const st = fs.fstatSync(fd, { bigint: true });
    e = { fd, size: Number(st.size), etag: etagOf(st) };
    this.fds.set(key, e);
    if (this.fds.size > this.maxOpen) {
      const [oldKey, old] = this.fds.entries().next().value as [string, { fd: number }];
      this.fds.delete(oldKey);
      fs.closeSync(old.fd);
    }
    return e;
  }

  private dropFd(key: string): void {
    const e = this.fds.get(key);
    if (e !== undefined) {
      this.fds.delete(key);
      fs.closeSync(e.fd);
    }
  }

  private ensureDir(dir: string): void {
    if (this.knownDirs.has(dir)) return;
    fs.mkdirSync(dir, { recursive: true });
    this.knownDirs.add(dir);
  }

  /** The last key `pathOf` checked and its path: the fence check heads one key per commit. */
  private lastKey: string | undefined;
  private lastPath = '';

  private pathOf(key: string): string {
    this.assertOpen();
    if (key === this.lastKey) return this.lastPath;
    checkKey(key);
    if (key === FS_INTERNAL_DIR || key.startsWith(`${FS_INTERNAL_DIR}/`)) throw new TypeError(`storage: key ${JSON.stringify(key)} is reserved`);
    const p = path.join(this.root, key);
    this.lastKey = key;
    this.lastPath = p;
    return p;
  }

  private assertOpen(): void {
    if (this.closed) throw new DoSQLError('CLOSED', `storage: ${this.name} is closed`);
  }
}

class FsAppendable implements AppendableObject {
  private dirToSync: string | null;
  constructor(
    readonly key: string,
    private readonly fd: number,
    public size: number,
    newFileDir: string | null,
    private readonly store: FsObjectStore,
  ) {
    this.dirToSync = newFileDir;
  }

  async append(data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    if (data instanceof Uint8Array) this.appendSync(data);
    else for (const c of data) this.appendSync(c);
  }

  /** One write(2) nearly always (O_APPEND): the bytes are in the OS page cache when it returns. */
  appendSync(c: Uint8Array): void {
    let off = 0;
    while (off < c.length) off += fs.writeSync(this.fd, c, off, c.length - off);
    this.size += c.length;
  }

  async sync(): Promise<void> {
    await fdatasync(this.fd);
    if (this.dirToSync !== null) {
      const dir = this.dirToSync;
      this.dirToSync = null;
      await this.store.syncDir(dir);
    }
  }

  async close(): Promise<void> {
    fs.closeSync(this.fd);
  }
}

function etagOf(st: fs.BigIntStats): string {
  return `${st.ino}-${st.size}-${st.mtimeNs}`;
}

/** ENOENT, or ENOTDIR for a key "below" an existing object: the object is absent. */
function isAbsent(e: unknown): boolean {
  return isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR');
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}
