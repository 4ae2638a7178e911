// The CLI against a database another process has open (issue 13, item 14; issue 22): commands
// that only read open read-only (no writer epoch) and run beside the live writer without
// fencing it; a command that writes would make the opener the writer and fence the process that
// had it, so it refuses with BUSY while a live process holds the folder's writer lease
// (src/node/writer-lease.ts), and never takes over silently. A lease left by a process that is
// gone (closed, or killed with kill -9) does not block; --take-over takes over on purpose.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { LEASE_FILE, readWriterLease, STALE_MS, staleReason, type LivenessProbe, type WriterLease } from '../src/node/writer-lease.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'dosql-cli-busy-'));
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

async function dosql(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]): Writable =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        into.push(chunk.toString());
        cb();
      },
    });
  const stdin = new PassThrough();
  stdin.end();
  const io: CliIO = { stdout: sink(out), stderr: sink(err), stdin, cwd: root, home: root };
  const code = await main(args, io);
  return { code, out: out.join(''), err: err.join('') };
}

interface Writer {
  readonly pid: number;
  /** Acknowledged writes reported so far (in steps of 100). */
  acked(): number;
  /** Resolves once the writer has reported at least `n` acknowledged writes. */
  reach(n: number): Promise<void>;
  /** Resolves once the writer has reported a write that failed with `code`. */
  failWith(code: string): Promise<void>;
  /** Asks the writer to close the database and exit; its final counts. */
  stop(): Promise<{ ok: number; failed: number; failures: string[] }>;
  kill9(): Promise<void>;
}

/** Starts the application: a process writing to the database in `dir` without pause. */
async function startWriter(dir: string): Promise<Writer> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'support', 'busy-writer-child.ts'), dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let acked = 0;
  let ready = false;
  let done: string | undefined;
  const failed: string[] = [];
  let stderr = '';
  const waiters: (() => void)[] = [];
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  let buffered = '';
  child.stdout.on('data', (b: Buffer) => {
    buffered += b.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line === 'ready') ready = true;
      else if (line.startsWith('n ')) acked = Number(line.slice(2));
      else if (line.startsWith('failed ')) failed.push(line.slice(7));
      else if (line.startsWith('done ')) done = line.slice(5);
    }
    wake();
  });
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.on('exit', wake);
  const until = async (cond: () => boolean, what: string): Promise<void> => {
    const limit = Date.now() + 60_000;
    while (!cond()) {
      if (child.exitCode !== null || child.signalCode !== null) {
        if (cond()) return;
        throw new Error(`writer exited while waiting for ${what}: ${stderr}`);
      }
      if (Date.now() > limit) throw new Error(`writer: no ${what} within 60 s: ${stderr}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  await until(() => ready, 'first write');
  return {
    pid: child.pid!,
    acked: () => acked,
    reach: (n) => until(() => acked >= n, `${n} writes`),
    failWith: (code) => until(() => failed.includes(code), `a write failing with ${code}`),
    async stop() {
      child.stdin.write('stop\n');
      await until(() => done !== undefined, 'clean exit');
      await exited;
      return JSON.parse(done!) as { ok: number; failed: number; failures: string[] };
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('dosql against a database another process has open', () => {
  it('runs the reading commands read-only beside the live writer, refuses the writing ones with BUSY, and the writer never fails', async () => {
    const dir = join(root, 'app');
    const w = await startWriter(dir);
    let seen = 0;
    for (const args of [
      ['sql', 'app', 'SELECT count(*) AS n FROM w', '--format', 'json'],
      ['stats', 'app'],
      ['stats', 'app', '--format', 'json'],
      ['snapshots', 'app'],
      ['branches', 'app'],
      ['iceberg', 'app'],
      ['sql', 'app', 'SELECT 1', '--as-of', 'lsn:1'],
      ['sql', 'app', 'SELECT count(*) AS n FROM w', '--format', 'json'],
    ]) {
      const before = w.acked();
      const r = await dosql(args);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
      expect(r.err).toBe('');
      if (args[2] === 'SELECT count(*) AS n FROM w') {
        // Each read sees every write the writer had acknowledged before it began, and never less than the last read.
        const n = (JSON.parse(r.out) as { n: number }[])[0]!.n;
        expect(n).toBeGreaterThanOrEqual(Math.max(seen, before));
        seen = n;
      }
    }
    for (const args of [
      ['compact', 'app'],
      ['shell', 'app'],
      ['sql', 'app', 'INSERT INTO w(pid, n) VALUES (0, 0)'],
      ['snapshots', 'app', '--create', 's1'],
    ]) {
      const r = await dosql(args);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(1);
      expect(r.err).toMatch(new RegExp(`^dosql: BUSY: cli: .*app is open in another live process \\(pid ${w.pid} on ${hostname()}, `));
      expect(r.err).toContain('--take-over');
      expect(r.out).toBe('');
    }
    // The application kept writing through all of that, and none of its writes failed.
    await w.reach(w.acked() + 200);
    const end = await w.stop();
    expect(end.failures).toEqual([]);
    expect(end.failed).toBe(0);
    // Closed: the lease is gone and the CLI works, seeing every acknowledged write.
    expect(readWriterLease(dir)).toBeUndefined();
    const r = await dosql(['sql', 'app', `SELECT count(*) AS n FROM w WHERE pid = ${w.pid}`, '--format', 'json']);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toEqual([{ n: end.ok }]);
    expect((await dosql(['stats', 'app'])).code).toBe(0);
  });

  it('is not blocked by the lease of a writer killed with kill -9', async () => {
    const dir = join(root, 'app');
    const w = await startWriter(dir);
    await w.reach(100);
    await w.kill9();
    // The lease outlived its holder, but names a process that is gone.
    expect(readWriterLease(dir)?.pid).toBe(w.pid);
    const r = await dosql(['sql', 'app', `SELECT count(*) >= ${w.acked()} AS ok FROM w WHERE pid = ${w.pid}`, '--format', 'json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([{ ok: 1 }]);
    // A read-only open leaves the lease alone; a writing command is not blocked by it either,
    // and the CLI's own lease goes with it.
    expect(readWriterLease(dir)?.pid).toBe(w.pid);
    const ins = await dosql(['sql', 'app', 'INSERT INTO w(pid, n) VALUES (0, 0)']);
    expect(ins.code, ins.err).toBe(0);
    expect(readWriterLease(dir)).toBeUndefined();
  });

  it('takes over a live writer with --take-over, which then fails with FENCED', async () => {
    const dir = join(root, 'app');
    const w = await startWriter(dir);
    const r = await dosql(['sql', 'app', 'INSERT INTO w(pid, n) VALUES (0, 0)', '--take-over', '--format', 'json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^changes: 1, lsn: \d+/);
    // The writer's next write after the take-over fails. Stopping it as soon as the CLI is done
    // raced with that write: on a loaded machine the writer could be told to stop before it
    // attempted one (it then ended with no failure), so wait until it reports the failure.
    await w.failWith('FENCED');
    const end = await w.stop();
    expect(end.failed).toBeGreaterThan(0);
    // A write in flight while the CLI opened may end COMMIT_UNKNOWN (appended before the new
    // writer's first manifest existed: docs/format/wal.md, "Fencing and the outcome of a
    // write"); the writer knows it is fenced from then on, so every later write is FENCED.
    expect(['FENCED', 'COMMIT_UNKNOWN']).toContain(end.failures[0]);
    expect(end.failures.slice(1).every((c) => c === 'FENCED'), end.failures.join(', ')).toBe(true);
    expect(end.failures).toContain('FENCED');
  });

  it('judges a lease from another host by its heartbeat', async () => {
    const dir = join(root, 'app');
    const write = (heartbeatAt: number): void =>
      writeFileSync(join(dir, LEASE_FILE), JSON.stringify({ format: 'dosql-writer-lease', version: 1, pid: 1, hostname: 'elsewhere.example', startedAt: heartbeatAt - 60_000, heartbeatAt, token: 'abc' }));
    write(Date.now());
    const busy = await dosql(['compact', 'app']);
    expect(busy.code).toBe(1);
    expect(busy.err).toMatch(/^dosql: BUSY: .*\(pid 1 on elsewhere\.example, /);
    // A reading command does not care about the lease.
    expect((await dosql(['stats', 'app'])).code).toBe(0);
    write(Date.now() - STALE_MS - 1_000);
    expect((await dosql(['compact', 'app'])).code).toBe(0);
  });
});

describe('writer lease liveness', () => {
  const lease: WriterLease = { pid: 4242, hostname: 'here', startedAt: 0, heartbeatAt: 1_000_000, token: 't' };
  const probe = (o: Partial<LivenessProbe>): LivenessProbe => ({ now: 1_000_500, hostname: 'here', pid: 1, pidAlive: () => true, heldHere: () => false, ...o });

  it('is live while its process runs on this host and its heartbeat is recent', () => {
    expect(staleReason(lease, probe({}))).toBeUndefined();
    expect(staleReason(lease, probe({ hostname: 'other' }))).toBeUndefined();
  });

  it('is stale when its heartbeat is old, its process is gone, or it names this process without being held here', () => {
    expect(staleReason(lease, probe({ now: lease.heartbeatAt + STALE_MS + 1 }))).toMatch(/last heartbeat/);
    expect(staleReason(lease, probe({ hostname: 'other', now: lease.heartbeatAt + STALE_MS + 1 }))).toMatch(/last heartbeat/);
    expect(staleReason(lease, probe({ pidAlive: () => false }))).toBe('process 4242 is gone');
    // On another host the pid means nothing here: only the heartbeat counts.
    expect(staleReason(lease, probe({ hostname: 'other', pidAlive: () => false }))).toBeUndefined();
    expect(staleReason(lease, probe({ pid: 4242 }))).toMatch(/earlier process/);
    expect(staleReason(lease, probe({ pid: 4242, heldHere: (t) => t === 't' }))).toBeUndefined();
  });
});
