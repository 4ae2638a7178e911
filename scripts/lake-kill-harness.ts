// Parent side of the lake's kill -9 test: the in-process variant (test/support/lake-crash-trial.ts)
// simulates kills by letting stores die; here a real child process (scripts/lake-kill-child.ts)
// hosting the source database, its streamer and the lake is SIGKILLed at random moments (20 ms to
// `maxKillMs` after it runs; the child flushes every 0-150 ms, so kills land before, during and
// after flushes, mid-batch and mid-commit), and restarted on what its files hold. After some
// kills and at the end of the kills, and again after a draining run:
//   icebird, over loopback HTTP, reads every lake table's current snapshot (the metadata file the
//   lake committed), and it equals the source's `SELECT * FROM t FOR SYSTEM_TIME AS OF LSN <the
//   table's committed position for the source>` (test/support/lake-reader.ts), after the drain
//   at the source's head, and the lake's committed position is the head.
// The checks open the dead child's database and lake in this process (a lake opening recovers
// exactly as a restarted child would).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLake } from '../src/lake/index.js';
import { DB } from '../src/node/db.js';
import { FsObjectStore } from '../src/storage/fs-store.js';
import { compareLakeTable } from '../test/support/lake-reader.js';
import { headLsn, PARQUET_WASM, type Warehouse } from '../test/support/lake-harness.js';
import { LAKE_TABLES, Prng } from '../test/support/lake-workload.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The child's source id (scripts/lake-kill-child.ts). */
const SOURCE_ID = 'src';

export interface LakeKillResult {
  ok: boolean;
  error?: string;
  kills: number;
  /** Kills that landed while the child was inside `lake.flush()`. */
  midFlush: number;
  /** Flushes the children finished (ok or failed) before their kill. */
  flushes: number;
  /** Table checks against AS OF LSN, rows compared, and how many of them were at a committed position below the source's head. */
  checks: number;
  rows: number;
  behind: number;
  /** The source's head LSN at the end. */
  head: number;
}

interface ChildRun {
  inFlush: boolean;
  flushes: number;
}

function runChild(dir: string, w: Warehouse, ns: string, seed: number, mode: 'kill' | 'drain', killAfterMs: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    // node with tsx as a loader, not the tsx CLI: the CLI relays to a grandchild that a SIGKILL
    // of the CLI would leave running.
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'lake-kill-child.ts'), dir, w.dir, w.server.base, ns, String(seed), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('error', reject);
    const run: ChildRun = { inFlush: false, flushes: 0 };
    let buf = '';
    let stderr = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const tag = buf.slice(0, nl).split(' ')[0];
        buf = buf.slice(nl + 1);
        if (tag === 'R' && mode === 'kill' && !timer) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        else if (tag === 'F+') run.inFlush = true;
        else if (tag === 'F-') {
          run.inFlush = false;
          run.flushes++;
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (mode === 'kill' && signal !== 'SIGKILL') reject(new Error(`lake-kill child exited on its own (code ${code}, signal ${signal}): ${stderr.slice(0, 2000)}`));
      else if (mode === 'drain' && code !== 0) reject(new Error(`lake-kill drain run failed (code ${code}, signal ${signal}): ${stderr.slice(0, 2000)}`));
      else resolve(run);
    });
  });
}

/** Opens the dead child's source and lake here; icebird reads every table, it must equal AS OF the committed position (or `atHead`: the head). */
async function check(dir: string, w: Warehouse, ns: string, atHead: boolean, res: LakeKillResult): Promise<void> {
  const db = DB(SOURCE_ID, { path: join(dir, 'db'), durability: 'full', retention: 'forever', workerThreads: false });
  const state = new FsObjectStore(join(dir, 'state'));
  const warehouse = new FsObjectStore(w.dir);
  const lake = await openLake({ warehouse, state, url: w.server.base, namespace: ns, durability: 'full', flush: { auto: false, maxRowsPerFile: 30 }, parquetWasm: PARQUET_WASM });
  try {
    const head = await headLsn(db);
    res.head = head;
    const sources = new Map([[SOURCE_ID, db]]);
    for (const t of LAKE_TABLES) {
      const { got, want, positions } = await compareLakeTable(lake, t, sources, atHead ? { [SOURCE_ID]: head } : undefined);
      res.checks++;
      res.rows += got.length;
      if ((positions[SOURCE_ID] ?? 0) < head) res.behind++;
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        const missing = want.filter((x) => !got.includes(x));
        const extra = got.filter((x) => !want.includes(x));
        throw new Error(`table ${t} at ${JSON.stringify(positions)} (head ${head}): ${missing.length} missing ${JSON.stringify(missing.slice(0, 3))}, ${extra.length} extra ${JSON.stringify(extra.slice(0, 3))}`);
      }
    }
    if (atHead) {
      const committed = lake.status().sources.find((s) => s.sourceId === SOURCE_ID)?.committed;
      if (committed !== head) throw new Error(`after the drain the lake committed ${SOURCE_ID} up to ${committed}, its head is ${head}`);
    }
  } finally {
    await lake.close();
    await warehouse.close();
    await state.close();
    await db.close();
  }
}

/** One trial: `kills` SIGKILL/restart rounds of the child on one database, lake state and namespace of `w`; a check after the last kill (and after some others), a draining run, a check at the head. */
export async function lakeKillTrial(w: Warehouse, seed: number, options: { kills?: number; maxKillMs?: number } = {}): Promise<LakeKillResult> {
  const r = new Prng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'dosql-lake-kill-'));
  const ns = `kill${seed}`;
  const res: LakeKillResult = { ok: true, kills: 0, midFlush: 0, flushes: 0, checks: 0, rows: 0, behind: 0, head: 0 };
  const kills = options.kills ?? 4;
  try {
    for (let k = 0; k < kills; k++) {
      const run = await runChild(dir, w, ns, seed * 1000 + k, 'kill', 20 + r.int(options.maxKillMs ?? 1500));
      res.kills++;
      res.flushes += run.flushes;
      if (run.inFlush) res.midFlush++;
      if (k === kills - 1 || r.chance(0.3)) await check(dir, w, ns, false, res);
    }
    await runChild(dir, w, ns, seed * 1000 + 999, 'drain', 0);
    await check(dir, w, ns, true, res);
  } catch (e) {
    res.ok = false;
    res.error = `seed ${seed}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
    rmSync(join(w.dir, 'warehouse', ns), { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  }
  return res;
}
