// Cold point lookups by CPU time, in a fresh process per run (the CPU twin of flights.ts's
// "point lookups x10000" on dosql-cold): --build DIR loads the first --rows flights through
// the bulk loader and compacts them to the cold tier; --run DIR opens a copy of DIR and runs
// the same 10,000 lookups twice, printing the first and the warm pass's process CPU (ms).
//
//   npx tsx bench/flights-point.ts --build /tmp/fp --rows 1000000
//   npx tsx bench/flights-point.ts --run /tmp/fp
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB } from '../src/index.js';
import { importInto, type ImportState } from '../src/cli/import-run.js';
import { Prng } from '../src/util/prng.js';
import { flightSource, readFlights } from './flights.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

async function build(dir: string, rows: number): Promise<void> {
  const flights = await readFlights(rows);
  const db = DB('flights', { path: dir, durability: 'normal' });
  await db.exec('CREATE TABLE flights(id INTEGER PRIMARY KEY, date TEXT, delay INTEGER, distance INTEGER, origin TEXT, destination TEXT)');
  const state: ImportState = { committed: 0 };
  await importInto(db, 'flights', ['id', 'date', 'delay', 'distance', 'origin', 'destination'], flightSource(flights), { batch: 10_000, load: 'ingest' }, state);
  await db.compact({ tier: 'cold' });
  await db.close();
  console.log(`built ${flights.length} rows in ${dir}`);
}

async function startProfile(): Promise<(file: string) => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

async function run(src: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dosql-fp-'));
  cpSync(src, dir, { recursive: true });
  try {
    const db = DB('flights', { path: dir, durability: 'normal' });
    const n = Number(arg('--rows') ?? 1_000_000);
    const rng = new Prng(5);
    const lookups = Array.from({ length: 10_000 }, () => rng.int(n));
    const get = db.prepare('SELECT origin, destination, delay FROM flights WHERE id = ?');
    const pass = async (): Promise<{ cpu: number; sum: number }> => {
      const c0 = process.cpuUsage();
      let sum = 0;
      for (const id of lookups) sum += Number((await get.get<{ delay: number }>(id + 1))!.delay);
      const c = process.cpuUsage(c0);
      return { cpu: (c.user + c.system) / 1000, sum };
    };
    // FP_PROF=file: a V8 CPU profile of the first pass alone.
    let prof = process.env.FP_PROF ? await startProfile() : null;
    const first = await pass();
    if (prof) await prof(process.env.FP_PROF!);
    // FP_PROF_WARM=file: the same of the second pass.
    prof = process.env.FP_PROF_WARM ? await startProfile() : null;
    if (prof) {
      await pass();
      await prof(process.env.FP_PROF_WARM!);
    }
    if (process.env.FP_FIRST_ONLY) {
      console.log(JSON.stringify({ first: Math.round(first.cpu) }));
      return;
    }
    const warm = [await pass(), await pass(), await pass()].map((p) => p.cpu).sort((a, b) => a - b)[1]!;
    console.log(JSON.stringify({ first: Math.round(first.cpu), warm: Math.round(warm), ratio: +(first.cpu / warm).toFixed(2), sum: first.sum }));
    await db.close();
    if (process.env.FP_REOPEN) {
      // The first pass again on a fresh open of a second copy (empty caches, code warm).
      const dir2 = mkdtempSync(join(tmpdir(), 'dosql-fp-'));
      cpSync(src, dir2, { recursive: true });
      const db2 = DB('flights', { path: dir2, durability: 'normal' });
      const get2 = db2.prepare('SELECT origin, destination, delay FROM flights WHERE id = ?');
      const prof2 = process.env.FP_PROF_REOPEN ? await startProfile() : null;
      const c0 = process.cpuUsage();
      for (const id of lookups) await get2.get<{ delay: number }>(id + 1);
      const c = process.cpuUsage(c0);
      if (prof2) await prof2(process.env.FP_PROF_REOPEN!);
      console.log(JSON.stringify({ reopenFirst: Math.round((c.user + c.system) / 1000) }));
      await db2.close();
      rmSync(dir2, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const b = arg('--build');
if (b) await build(b, Number(arg('--rows') ?? 1_000_000));
else await run(arg('--run') ?? '/tmp/fp');
