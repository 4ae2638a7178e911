// dosql cdc <db> [--from-lsn N | --after ID | --slot NAME] [--table T ...] [--branch B] [--raw]
//          [--follow] [--limit N]
// dosql cdc <db> --create-slot NAME [--from-lsn N] [--table T ...] | --drop-slot NAME | --slots
// Prints the change stream as NDJSON, one event per line (src/cdc/wire.ts). Without --follow
// it stops at the newest commit it saw at start; with --follow it waits for new commits
// (tail -f) until interrupted. With --slot it starts from the slot and acknowledges into it
// after the lines are written: every 1000 events, at the end, and on SIGINT. Like every
// command it opens the folder as the writer, so --follow sees commits made through this
// process only (follow another process's database over the Worker instead).
import { createCDC, entryToJSON, eventToJSON, type CDCEvent, type CDCFilter, type WALEntry } from '../../cdc/index.js';
import { boolOpt, intOpt, parseCommand, stringOpt } from '../args.js';
import { println, usageError, type CliIO } from '../io.js';
import { openDatabase, TAKE_OVER_OPTION } from '../open-db.js';
import { USAGE } from '../usage.js';

const OPTIONS = {
  'from-lsn': { type: 'string' },
  after: { type: 'string' },
  slot: { type: 'string' },
  table: { type: 'string', multiple: true },
  branch: { type: 'string' },
  raw: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  limit: { type: 'string' },
  'create-slot': { type: 'string' },
  'drop-slot': { type: 'string' },
  slots: { type: 'boolean' },
  ...TAKE_OVER_OPTION,
} as const;

const ACK_EVERY = 1000;

export async function cdcCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand('cdc', argv, OPTIONS, { min: 1, max: 1 });
  if (p.values.help) {
    println(io.stdout, USAGE.cdc);
    return 0;
  }
  const from = stringOpt(p, 'from-lsn');
  const after = stringOpt(p, 'after');
  const slot = stringOpt(p, 'slot');
  if ([from, after, slot].filter((x) => x !== undefined).length > 1 && stringOpt(p, 'create-slot') === undefined) throw usageError('cdc', 'give one of --from-lsn, --after, --slot');
  if (from !== undefined && !/^\d+$/.test(from)) throw usageError('cdc', `--from-lsn needs a non-negative integer, got ${JSON.stringify(from)}`);
  const tables = (p.values.table as unknown as string[] | undefined)?.flatMap((t) => t.split(',')).filter((t) => t !== '');
  const filter: CDCFilter | undefined = tables?.length ? { tables } : undefined;
  const limit = intOpt('cdc', p, 'limit', Infinity);
  const { db } = await openDatabase(io.cwd, p.positionals[0]!, { create: false, takeOver: boolOpt(p, 'take-over'), readonly: slot === undefined && stringOpt(p, 'create-slot') === undefined && stringOpt(p, 'drop-slot') === undefined });
  const cdc = createCDC(db);
  try {
    const create = stringOpt(p, 'create-slot');
    const drop = stringOpt(p, 'drop-slot');
    if (create !== undefined) {
      const s = await cdc.slots.createSlot(create, from, filter);
      println(io.stdout, JSON.stringify({ slot: s.name, acknowledgedLSN: Number(s.acknowledgedLSN) }));
      return 0;
    }
    if (drop !== undefined) {
      await cdc.slots.deleteSlot(drop);
      return 0;
    }
    if (boolOpt(p, 'slots')) {
      const stats = await cdc.stats();
      for (const s of stats.slots) println(io.stdout, JSON.stringify({ slot: s.name, acknowledgedLSN: Number(s.acknowledgedLSN), lagLSNs: s.lagLSNs, lagBytes: s.lagBytes }));
      return 0;
    }
    const engine = await db.engine();
    const stopAt = boolOpt(p, 'follow') ? Infinity : engine.lastVisibleLsn;
    const options = { ...(filter ? { filter } : {}), ...(stringOpt(p, 'branch') ? { branch: stringOpt(p, 'branch')! } : {}), ...(after !== undefined ? { after } : {}), ...(stopAt !== Infinity ? { untilLSN: stopAt } : {}), safeIntegers: true };
    const sub = slot !== undefined ? await cdc.slots.subscribeFromSlot(slot, options) : cdc.subscribe({ ...options, fromLSN: from ?? 0 });
    const raw = boolOpt(p, 'raw');
    const events: AsyncIterable<CDCEvent | WALEntry> = raw ? sub.subscribe() : sub.subscribeChanges();
    let n = 0;
    let last: { id: string; op?: string; type?: string } | undefined;
    let acked = 0;
    const ack = async (): Promise<void> => {
      if (slot === undefined || last === undefined || acked === n) return;
      await drain(io);
      await cdc.slots.updateSlot(slot, last);
      acked = n;
    };
    let stop = false;
    const onSigint = (): void => {
      stop = true;
      void sub.close();
    };
    process.once('SIGINT', onSigint);
    try {
      for await (const e of events) {
        println(io.stdout, JSON.stringify(raw ? entryToJSON(e as WALEntry) : eventToJSON(e as CDCEvent)));
        n++;
        last = e;
        if (n - acked >= ACK_EVERY) await ack();
        if (n >= limit || stop) break;
      }
      await ack();
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    return 0;
  } finally {
    await cdc.close();
    await db.close();
  }
}

/** Resolves once stdout has taken what was written (a slot is acknowledged only after its lines are out). */
function drain(io: CliIO): Promise<void> {
  return new Promise((resolve) => {
    if (io.stdout.write('')) resolve();
    else io.stdout.once('drain', () => resolve());
  });
}
