// Step 5: the cold tier. A full compaction publishes the table as an Iceberg v2 snapshot
// (Parquet data + Avro manifests + JSON metadata) under the warehouse folder; then an external
// reader, icebird, reads that snapshot over HTTP and must count what dosql counts.
import { join } from 'node:path';
import { icebergManifests, icebergMetadata, icebergRead } from 'icebird';
import { fetchDeleteMaps } from 'icebird/src/fetch.js';
import { splitManifestEntries } from 'icebird/src/manifest.js';
import { DoSQLError } from '../../src/index.js';
import type { DemoContext } from './context.js';
import { progress } from './progress.js';
import { duration, int, num, table, timed } from './report.js';

export interface PublishResult {
  snapshotId: bigint;
  lsn: number;
  warehouseUrl: string;
  /** The same warehouse on disk. */
  warehouseDir: string;
  tableUrl: string;
  metadataPath: string;
}

/** What the external reader computed from the published snapshot. */
export interface IcebergCounts {
  n: number;
  avgDelay: number | null;
  march: number;
  /** Flights per origin, the ten largest (ties by name), as Q2 orders them. */
  top10: { origin: string; n: number; avgDelay: number | null }[];
  /** Rows the snapshot's metadata says it holds (snapshot summary 'total-records'), if given. */
  metadataRecords: number | undefined;
}

/** `compact({ full: true, tier: 'cold' })` and where the Iceberg table went. */
export async function publishCold(ctx: DemoContext, rows: number): Promise<PublishResult> {
  const { db, clock } = ctx;
  clock.set(Date.parse('2001-07-13T00:00:00Z'));
  const r = await timed(ctx.timings, 'compact to the cold tier', rows, () => db.compact({ full: true, tier: 'cold' }), "compact({ full: true, tier: 'cold' }): Iceberg");
  const pub = r.published.find((p) => p.table === 'flights');
  const snaps = await db.icebergSnapshots('flights');
  const snap = snaps.at(-1);
  if (!pub || !snap) throw new DoSQLError('NOT_FOUND', "demo: compact({ tier: 'cold' }) published no snapshot of flights");
  const warehouseUrl = db.warehousePath();
  const result = { snapshotId: pub.snapshotId, lsn: pub.lsn, warehouseUrl, warehouseDir: join(ctx.dir, 'cold', 'warehouse'), tableUrl: `${warehouseUrl}/default/flights`, metadataPath: snap.metadataPath };
  ctx.log(`published Iceberg snapshot ${pub.snapshotId} of flights at LSN ${pub.lsn} in ${duration(ctx.timings.at(-1)!.ms)}`);
  ctx.log(`  warehouse: ${result.warehouseDir}`);
  ctx.log(`  served as: ${warehouseUrl} (table ${result.tableUrl})`);
  ctx.log(`  metadata:  ${snap.metadataPath}`);
  ctx.log('  (the metadata records absolute URLs under the warehouse URL given at open: here the loopback server this run reads it through)');
  return result;
}

const CHUNK = 250_000;

type TableMetadata = Awaited<ReturnType<typeof icebergMetadata>>;

/**
 * Row windows for reading a snapshot with icebird page by page: `[rowStart, rowEnd)` of at most
 * `pageRows` rows over the data files' raw rows (icebird's row numbers count deleted rows too), and
 * how many of the rows a call returns belong to the window. icebird 0.3.1 fills a window with
 * live rows, reading on past its end when position deletes removed some, so plain consecutive
 * windows overlap by the deleted count (the lake's updates read twice); the rows it returns are
 * in file order, so the window's own are the first `live` = its raw rows minus the position
 * deletes naming rows inside it. The demo's tables have no equality deletes (the lake writes
 * position deletes only); a snapshot with any is refused.
 */
async function pages(metadata: TableMetadata, pageRows: number): Promise<{ rowStart: number; rowEnd: number; live: number }[]> {
  const { dataEntries, deleteEntries } = splitManifestEntries(await icebergManifests(metadata));
  if (deleteEntries.some((e) => e.data_file.content === 2)) throw new DoSQLError('NOT_SUPPORTED', 'demo: the snapshot has equality deletes; the paged read counts position deletes only');
  const { positionDeletesMap } = await fetchDeleteMaps(deleteEntries);
  const out: { rowStart: number; rowEnd: number; live: number }[] = [];
  let at = 0;
  for (const e of dataEntries) {
    const rows = Number(e.data_file.record_count);
    const deleted = [...(positionDeletesMap.get(e.data_file.file_path) ?? [])].map(Number).sort((x, y) => x - y);
    let d = 0;
    for (let from = 0; from < rows; ) {
      let page = out.at(-1);
      if (!page || page.rowEnd - page.rowStart >= pageRows) out.push((page = { rowStart: at + from, rowEnd: at + from, live: 0 }));
      const to = Math.min(rows, from + pageRows - (page.rowEnd - page.rowStart));
      let gone = 0;
      while (d < deleted.length && deleted[d]! < to) {
        if (deleted[d]! >= from) gone++;
        d++;
      }
      page.rowEnd += to - from;
      page.live += to - from - gone;
      from = to;
    }
    at += rows;
  }
  return out;
}

/** Reads the current snapshot with icebird in row ranges and aggregates it like Q1, Q2, Q4. */
export async function readIceberg(ctx: Pick<DemoContext, 'timings' | 'bars'>, pub: Pick<PublishResult, 'tableUrl' | 'metadataPath'>, expectedRows: number, step = 'icebird reads the snapshot', pageRows = CHUNK): Promise<IcebergCounts> {
  return timed(ctx.timings, step, (c) => c.n, async () => {
    const metadata = await icebergMetadata({ tableUrl: pub.tableUrl, metadataFileName: pub.metadataPath.split('/').pop()! });
    const current = metadata.snapshots?.find((s) => s['snapshot-id'] === metadata['current-snapshot-id']) as { summary?: Record<string, string> } | undefined;
    const total = current?.summary?.['total-records'];
    const bar = progress('icebird read', expectedRows, 'rows', ctx.bars);
    let n = 0;
    let sum = 0;
    let march = 0;
    const origins = new Map<string, { n: number; sum: number }>();
    for (const page of await pages(metadata, pageRows)) {
      const rows = (await icebergRead({ tableUrl: pub.tableUrl, metadata, rowStart: page.rowStart, rowEnd: page.rowEnd })).slice(0, page.live);
      for (const r of rows) {
        const delay = Number(r.delay);
        n++;
        sum += delay;
        const d = String(r.date);
        if (d >= '2001-03-01' && d < '2001-04-01') march++;
        const o = origins.get(String(r.origin));
        if (o) {
          o.n++;
          o.sum += delay;
        } else origins.set(String(r.origin), { n: 1, sum: delay });
      }
      bar.update(n);
    }
    bar.stop();
    const top10 = [...origins]
      .map(([origin, o]) => ({ origin, n: o.n, avgDelay: o.sum / o.n }))
      .sort((a, b) => b.n - a.n || (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0))
      .slice(0, 10);
    return { n, avgDelay: n ? sum / n : null, march, top10, metadataRecords: total === undefined ? undefined : Number(total) };
  }, 'external reader, over loopback HTTP');
}

/** Prints dosql's answers beside the external reader's, with a verdict per line. */
export function printAgreement(ctx: DemoContext, dosql: { n: number; avgDelay: number | null; march: number; top10: { origin: string; n: number }[] }, ice: IcebergCounts): boolean {
  const same = (a: number | null, b: number | null): boolean => a === b || (a !== null && b !== null && Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(a)));
  const top = (x: { origin: string; n: number }[]): string => x.map((o) => `${o.origin} ${o.n}`).join(', ');
  const rows: [string, string, string, boolean][] = [
    ['Q1 flights', int(dosql.n), int(ice.n), dosql.n === ice.n],
    ['Q1 avg delay', num(dosql.avgDelay, 6), num(ice.avgDelay, 6), same(dosql.avgDelay, ice.avgDelay)],
    ['Q4 March flights', int(dosql.march), int(ice.march), dosql.march === ice.march],
    ['Q2 top-10 origins', top(dosql.top10.slice(0, 3)) + ', ...', top(ice.top10.slice(0, 3)) + ', ...', top(dosql.top10) === top(ice.top10)],
  ];
  if (ice.metadataRecords !== undefined) rows.push(['Iceberg total-records', int(dosql.n), int(ice.metadataRecords), dosql.n === ice.metadataRecords]);
  ctx.log(table(['answer', '>dosql', '>icebird (Iceberg)', 'same'], rows.map(([a, b, c, ok]) => [a, b, c, ok ? 'yes' : 'NO'])));
  return rows.every((r) => r[3]);
}
