// Node-only: the writer lease of a database folder, a liveness signal for the process that has
// the database open, so that tools (the CLI) can refuse to take a live application's database
// over instead of fencing it (the engine's epoch fencing makes the newest opener the writer).
//
// The lease is the file `<folder>/.dosql-internal/writer.lease` (outside the object-store key
// space, docs/format/writer-lease.md), JSON:
//   { "format": "dosql-writer-lease", "version": 1, "pid", "hostname", "startedAt", "heartbeatAt", "token" }
// (times in ms since the epoch). DB() writes it when it opens a folder, rewrites `heartbeatAt`
// every HEARTBEAT_MS from an unref'd timer, and removes it at close (or process exit). It is
// advisory: nothing in the engine reads it, and opening a database with DB() always takes over.
//
// A lease is live unless it is stale: its heartbeat is older than STALE_MS, or its holder is on
// this host and its pid is gone (kill -9), or it names this process but no handle here holds it.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** The lease file, relative to the database folder. */
export const LEASE_FILE = '.dosql-internal/writer.lease';
/** How often a holder rewrites its heartbeat, ms. */
export const HEARTBEAT_MS = 2_000;
/** A heartbeat older than this (several missed beats) marks the lease stale, ms. */
export const STALE_MS = 5 * HEARTBEAT_MS;

const FORMAT = 'dosql-writer-lease';
const VERSION = 1;

export interface WriterLease {
  readonly pid: number;
  readonly hostname: string;
  /** When the holder opened the database, ms since the epoch. */
  readonly startedAt: number;
  /** The holder's last heartbeat, ms since the epoch (by the holder's clock). */
  readonly heartbeatAt: number;
  /** Tells this holder's lease from a later holder's. */
  readonly token: string;
}

/** A lease this process holds. */
export interface HeldLease {
  readonly lease: WriterLease;
  /** Stops the heartbeat and removes the file if it is still this holder's. Idempotent. */
  release(): void;
}

/** Tokens of the leases held by this process (a lease naming our pid is live only if listed). */
const held = new Map<string, HeldLease>();
let exitHook = false;

/** Writes `lease` atomically (temp file, rename), so a reader never sees half a lease. */
function writeLease(folder: string, lease: WriterLease): void {
  const file = join(folder, LEASE_FILE);
  mkdirSync(join(folder, '.dosql-internal'), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify({ format: FORMAT, version: VERSION, ...lease }));
  renameSync(tmp, file);
}

/** The lease in `folder`, or undefined when there is none or it is unreadable (treated as none). */
export function readWriterLease(folder: string): WriterLease | undefined {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(join(folder, LEASE_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (o.format !== FORMAT || o.version !== VERSION) return undefined;
  if (typeof o.pid !== 'number' || typeof o.hostname !== 'string' || typeof o.startedAt !== 'number' || typeof o.heartbeatAt !== 'number' || typeof o.token !== 'string') return undefined;
  return { pid: o.pid, hostname: o.hostname, startedAt: o.startedAt, heartbeatAt: o.heartbeatAt, token: o.token };
}

/**
 * Takes the lease of `folder` for this process (replacing any other holder's) and keeps its
 * heartbeat until release. The heartbeat stops by itself once another holder has replaced
 * the lease (this process was taken over, and will be fenced).
 */
export function acquireWriterLease(folder: string): HeldLease {
  const now = Date.now();
  let lease: WriterLease = { pid: process.pid, hostname: hostname(), startedAt: now, heartbeatAt: now, token: randomBytes(12).toString('hex') };
  writeLease(folder, lease);
  const beat = (): void => {
    if (readWriterLease(folder)?.token !== lease.token) {
      clearInterval(timer);
      return;
    }
    lease = { ...lease, heartbeatAt: Date.now() };
    try {
      writeLease(folder, lease);
    } catch {
      // A full or read-only disk: the lease goes stale, which only lets others take over.
    }
  };
  const timer = setInterval(beat, HEARTBEAT_MS);
  timer.unref();
  let released = false;
  const handle: HeldLease = {
    get lease() {
      return lease;
    },
    release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      held.delete(lease.token);
      if (readWriterLease(folder)?.token !== lease.token) return;
      try {
        unlinkSync(join(folder, LEASE_FILE));
      } catch {
        // Already gone.
      }
    },
  };
  held.set(lease.token, handle);
  if (!exitHook) {
    exitHook = true;
    // A process that exits without closing its databases leaves no live-looking lease behind.
    process.once('exit', () => {
      for (const h of [...held.values()]) h.release();
    });
  }
  return handle;
}

/** Whether process `pid` exists on this host (EPERM: it exists, owned by someone else). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The facts liveness depends on; tests pass their own. */
export interface LivenessProbe {
  readonly now: number;
  readonly hostname: string;
  readonly pid: number;
  readonly pidAlive: (pid: number) => boolean;
  readonly heldHere: (token: string) => boolean;
}

function localProbe(): LivenessProbe {
  return { now: Date.now(), hostname: hostname(), pid: process.pid, pidAlive, heldHere: (t) => held.has(t) };
}

/** Why `lease` is stale, or undefined when its holder is live. */
export function staleReason(lease: WriterLease, probe: LivenessProbe = localProbe()): string | undefined {
  const age = probe.now - lease.heartbeatAt;
  if (age > STALE_MS) return `last heartbeat ${(age / 1000).toFixed(1)} s ago`;
  if (lease.hostname !== probe.hostname) return undefined;
  if (lease.pid === probe.pid) return probe.heldHere(lease.token) ? undefined : 'left by an earlier process with this pid';
  return probe.pidAlive(lease.pid) ? undefined : `process ${lease.pid} is gone`;
}

/** The live writer holding `folder`, or undefined when none does (no lease, or a stale one). */
export function liveWriter(folder: string, probe: LivenessProbe = localProbe()): WriterLease | undefined {
  const lease = readWriterLease(folder);
  return lease !== undefined && staleReason(lease, probe) === undefined ? lease : undefined;
}
