// The version set: the current manifest state, older versions still pinned by readers, and
// atomic, fenced updates on an ObjectStore (SlateDB's manifest with conditional writes and
// writer fencing). Layout of keys in the store:
//   manifest/<version, 20 digits>.manifest   one object per version, created if absent
//   epoch/<epoch, 20 digits>                 writer epoch claims, created if absent
// A writer holds epoch e while `epoch/<e+1>` does not exist.
import { asIoError, DoSQLError, isDoSQLError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { decodeManifest, emptyManifest, encodeManifest, type FileMeta, type ManifestState } from './manifest-format.js';
import { checkInvariants } from './version-edit.js';

export const MANIFEST_PREFIX = 'manifest/';
export const EPOCH_PREFIX = 'epoch/';

export function manifestKey(version: number): string {
  return `${MANIFEST_PREFIX}${String(version).padStart(20, '0')}.manifest`;
}

export function epochKey(epoch: number): string {
  return `${EPOCH_PREFIX}${String(epoch).padStart(20, '0')}`;
}

function parseNumber(key: string, prefix: string): number {
  const m = /^(\d{20})/.exec(key.slice(prefix.length));
  return m ? Number(m[1]) : -1;
}

/**
 * One manifest state, reference-counted by the readers (read views, iterators,
 * compactions) that use its files. Files of a released version may become garbage.
 */
export class Version {
  private refs = 0;
  constructor(readonly state: ManifestState) {}
  ref(): void {
    this.refs++;
  }
  unref(): void {
    this.refs--;
  }
  get inUse(): boolean {
    return this.refs > 0;
  }
  *files(): Iterable<FileMeta> {
    for (const level of this.state.levels) for (const run of level) yield* run;
  }
}

export interface VersionSetOptions {
  /** Manifest versions kept in the store besides the live ones (for debugging and external readers). Default 5. */
  keepManifests?: number;
}

/**
 * Owns the manifest of one database for one writer epoch.
 *
 * Async safety: `update` calls are serialised; readers take `current` and `ref()` it
 * synchronously. After `FENCED` is thrown once, every later update throws it too.
 */
export class VersionSet {
  private currentVersion: Version;
  private readonly older: Version[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private fenced: DoSQLError | null = null;
  /** The version this epoch wrote first (its seals decide the last writes of the epoch it fenced). */
  private firstVersion = 0;
  /** A reader's version set (`openReader`): follows the writer's manifests, never writes one. */
  private reader = false;

  private constructor(
    private readonly store: ObjectStore,
    readonly epoch: number,
    initial: ManifestState,
    private readonly options: VersionSetOptions,
  ) {
    this.currentVersion = new Version(initial);
  }

  /**
   * Claims a new writer epoch (fencing any earlier writer), then loads the latest manifest.
   * The caller recovers and then calls `update` to write the first manifest of its epoch;
   * until then nothing is written besides the epoch claim.
   */
  static async open(store: ObjectStore, options: VersionSetOptions = {}): Promise<VersionSet> {
    const epoch = await claimEpoch(store);
    const latest = (await loadLatestManifest(store)) ?? emptyManifest();
    return new VersionSet(store, epoch, latest, options);
  }

  /**
   * Claims a new writer epoch (fencing any writer) and takes `base` as the current state
   * without reading the manifests in the store: repair, whose latest manifest may be damaged.
   * The next `update` writes version `base.version + 1`, create-if-absent.
   */
  static async claimWith(store: ObjectStore, base: ManifestState, options: VersionSetOptions = {}): Promise<VersionSet> {
    const epoch = await claimEpoch(store);
    return new VersionSet(store, epoch, base, options);
  }

  /**
   * Loads the latest manifest without claiming an epoch: a read-only follower of whichever
   * writer holds the database (contract 10: readers never fence the writer). `update` throws
   * READ_ONLY; `follow` moves it to a newer manifest the writer wrote.
   */
  static async openReader(store: ObjectStore, options: VersionSetOptions = {}): Promise<VersionSet> {
    const latest = (await loadLatestManifest(store)) ?? emptyManifest();
    const vs = new VersionSet(store, latest.epoch, latest, options);
    vs.reader = true;
    return vs;
  }

  /** True for a reader's version set (`openReader`). */
  get readOnly(): boolean {
    return this.reader;
  }

  /**
   * A reader moves to `state`, a newer manifest the writer wrote. Reads that took the previous
   * version keep it (its files may still be collected by the writer: readers retry, see
   * src/lsm/follower.ts). REQUIRES: a reader's version set and `state.version` >= the current one.
   */
  follow(state: ManifestState): void {
    if (!this.reader) throw new DoSQLError('INVALID_ARGUMENT', 'manifest: follow() is for a reader\'s version set');
    if (state.version < this.currentVersion.state.version) return;
    this.older.push(this.currentVersion);
    for (let i = this.older.length - 1; i >= 0; i--) if (!this.older[i]!.inUse) this.older.splice(i, 1);
    this.currentVersion = new Version(state);
  }

  get current(): Version {
    return this.currentVersion;
  }

  get state(): ManifestState {
    return this.currentVersion.state;
  }

  /** True if a newer writer has claimed the database. One `head` call. */
  private fenceKey: string | undefined;

  async isFenced(): Promise<boolean> {
    // A reader holds no epoch: nothing can fence it.
    if (this.reader) return false;
    if (this.fenced) return true;
    let h;
    // The key whose existence fences us, made once: this runs after every commit group.
    const key = (this.fenceKey ??= epochKey(this.epoch + 1));
    try {
      h = await this.store.head(key);
    } catch (e) {
      throw asIoError('manifest', 'head', key, e);
    }
    if (h) this.fenced = fencedError(this.epoch);
    return h !== null;
  }

  /** True when isFencedSync() answers (a reader, or a store with `headSync`). */
  get canCheckFenceNow(): boolean {
    return this.reader || this.fenced !== null || this.store.headSync !== undefined;
  }

  /**
   * isFenced() without waiting, when the store answers `head` synchronously (`headSync`: local
   * files, memory); undefined when it cannot (then isFenced()). Same answer, same errors.
   */
  isFencedSync(): boolean | undefined {
    if (this.reader) return false;
    if (this.fenced) return true;
    const store = this.store;
    if (store.headSync === undefined) return undefined;
    const key = (this.fenceKey ??= epochKey(this.epoch + 1));
    let h;
    try {
      h = store.headSync(key);
    } catch (e) {
      throw asIoError('manifest', 'head', key, e);
    }
    if (h) this.fenced = fencedError(this.epoch);
    return h !== null;
  }

  /** Throws `FENCED` if a newer writer has claimed the database. */
  async checkFence(): Promise<void> {
    if (await this.isFenced()) throw this.fenced!;
  }

  /** The `FENCED` error once this writer knows it was fenced out, else null. No I/O. */
  get fencedError(): DoSQLError | null {
    return this.fenced?.code === 'FENCED' ? this.fenced : null;
  }

  /**
   * For a failure while opening (before this epoch's first manifest): a retryable `BUSY` if
   * the manifest we loaded is no longer the latest (a writer this open fenced updated it
   * meanwhile and may have deleted what it stopped referencing), else `e` itself.
   */
  async staleOpenError(e: unknown): Promise<unknown> {
    let latest: number;
    try {
      latest = await latestManifestVersion(this.store);
    } catch {
      return e;
    }
    if (latest <= this.state.version) return e;
    const what = e instanceof Error ? e.message : String(e);
    return new DoSQLError('BUSY', `manifest: version ${latest} was written by an earlier writer while this open read version ${this.state.version} (${what}); retry the open`, { cause: e });
  }

  /**
   * Applies `edit` to a copy of the current state, checks the manifest invariants
   * (version-edit.ts, `checkInvariants`) and writes it as the next manifest version with
   * create-if-absent. Throws what `edit` throws, `CORRUPTION` when the result breaks an
   * invariant (nothing is written), `FENCED` when a newer epoch exists or another writer won
   * the version; the in-memory state is unchanged on failure.
   */
  update(edit: (draft: ManifestState) => void): Promise<Version> {
    const run = async (): Promise<Version> => {
      if (this.reader) throw new DoSQLError('READ_ONLY', 'manifest: this handle is read-only: it follows the writer\'s manifest and never writes one');
      if (this.fenced) throw this.fenced;
      const base = this.currentVersion.state;
      const draft = structuredClone(base);
      edit(draft);
      draft.version = base.version + 1;
      draft.epoch = this.epoch;
      const bad = checkInvariants(draft);
      if (bad.length > 0) {
        throw new DoSQLError('CORRUPTION', `manifest: refusing to write version ${draft.version}, it would break the manifest invariants: ${bad.join('; ')}`, { details: { version: draft.version, violations: bad } });
      }
      await this.checkFence();
      const key = manifestKey(draft.version);
      try {
        await this.store.put(key, encodeManifest(draft), { condition: { ifNoneMatch: '*' } });
      } catch (e) {
        if (isDoSQLError(e, 'PRECONDITION_FAILED')) {
          if (await this.isFenced()) throw this.fenced!;
          // An older writer's last update landed after we loaded: our view is stale.
          // Only possible while opening; the engine retries its open on BUSY.
          this.fenced = new DoSQLError('BUSY', `manifest: ${key} was written concurrently by an earlier writer; reopen`, { details: { key } });
          throw this.fenced;
        }
        throw asIoError('manifest', 'put', key, e);
      }
      if (this.firstVersion === 0) this.firstVersion = draft.version;
      const prev = this.currentVersion;
      this.currentVersion = new Version(draft);
      this.older.push(prev);
      await this.collectOld();
      return this.currentVersion;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Files referenced by the current version or any older version still in use. */
  liveFiles(): Set<string> {
    const live = new Set<string>();
    for (const f of this.currentVersion.files()) live.add(f.key);
    for (const k of this.currentVersion.state.externalRefs) live.add(k);
    for (const v of this.older) if (v.inUse) for (const f of v.files()) live.add(f.key);
    return live;
  }

  /**
   * Drops released older versions from memory and deletes old manifest objects, except this
   * epoch's first: the writer it fenced reads its seals to learn whether its last appends were
   * committed (src/lsm/fence-outcome.ts).
   */
  private async collectOld(): Promise<void> {
    for (let i = this.older.length - 1; i >= 0; i--) if (!this.older[i]!.inUse) this.older.splice(i, 1);
    const keep = this.options.keepManifests ?? 5;
    const oldest = this.currentVersion.state.version - keep;
    if (oldest <= 0 || this.currentVersion.state.version % 16 !== 0) return;
    const list = await this.store.list(MANIFEST_PREFIX).catch(() => []);
    for (const o of list) {
      const v = parseNumber(o.key, MANIFEST_PREFIX);
      if (v >= 0 && v < oldest && v !== this.firstVersion) await this.store.delete(o.key).catch(() => undefined);
    }
  }
}

function fencedError(epoch: number): DoSQLError {
  return new DoSQLError('FENCED', `manifest: writer epoch ${epoch} was fenced out by a newer writer; reopen the database`, {
    details: { epoch },
  });
}

/** Creates `epoch/<n>` for the next free n; returns n. */
async function claimEpoch(store: ObjectStore): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    let list;
    try {
      list = await store.list(EPOCH_PREFIX);
    } catch (e) {
      throw asIoError('manifest', 'list', EPOCH_PREFIX, e);
    }
    let max = 0;
    for (const o of list) max = Math.max(max, parseNumber(o.key, EPOCH_PREFIX));
    const next = max + 1;
    try {
      await store.put(epochKey(next), new Uint8Array(0), { condition: { ifNoneMatch: '*' } });
      // Older claims are no longer needed for fencing; the newest two suffice.
      for (const o of list) if (parseNumber(o.key, EPOCH_PREFIX) < max) await store.delete(o.key).catch(() => undefined);
      return next;
    } catch (e) {
      if (!isDoSQLError(e, 'PRECONDITION_FAILED')) throw asIoError('manifest', 'put', epochKey(next), e);
    }
  }
  throw new DoSQLError('BUSY', 'manifest: could not claim a writer epoch after 100 attempts');
}

/** Version numbers of the manifest objects in the store, ascending. */
export async function listManifestVersions(store: ObjectStore): Promise<number[]> {
  let list;
  try {
    list = await store.list(MANIFEST_PREFIX);
  } catch (e) {
    throw asIoError('manifest', 'list', MANIFEST_PREFIX, e);
  }
  const out: number[] = [];
  for (const o of list) {
    const v = parseNumber(o.key, MANIFEST_PREFIX);
    if (v >= 0 && o.key === manifestKey(v)) out.push(v);
  }
  return out.sort((a, b) => a - b);
}

/** The highest manifest version in the store (0: none). */
export async function latestManifestVersion(store: ObjectStore): Promise<number> {
  const versions = await listManifestVersions(store);
  return versions.length === 0 ? 0 : versions[versions.length - 1]!;
}

/**
 * The newest manifest in the store, or null for a new database. A damaged newest manifest
 * fails with `CORRUPTION` naming it and pointing at `dosql repair`, which can fall back to
 * an older one (src/lsm/repair.ts); it is never skipped silently.
 */
export async function loadLatestManifest(store: ObjectStore): Promise<ManifestState | null> {
  const best = await latestManifestVersion(store);
  if (best === 0) return null;
  const key = manifestKey(best);
  let r;
  try {
    r = await store.get(key);
  } catch (e) {
    throw asIoError('manifest', 'get', key, e);
  }
  // Collected by a writer that moved on meanwhile (versions.collectOld): look again.
  if (!r) throw new DoSQLError('BUSY', `manifest: ${key} was deleted while opening; retry the open`, { details: { key } });
  try {
    return decodeManifest(r.data, key);
  } catch (e) {
    if (!isDoSQLError(e, 'CORRUPTION')) throw e;
    throw new DoSQLError('CORRUPTION', `${e.message}; the latest manifest is damaged, so the database cannot open: run \`dosql repair <db>\` (or repair() in the API) to find the newest manifest whose files verify and what falling back to it would lose`, {
      cause: e,
      details: { ...e.details, manifest: key },
    });
  }
}
