// PRAGMA prepared_xacts (and SELECT * FROM pragma_prepared_xacts): the transactions prepared
// with PREPARE TRANSACTION and not yet resolved, oldest first — PostgreSQL's pg_prepared_xacts
// view (gid, prepared) plus the LSNs dosql knows them by. A participant restarted after a
// crash lists its in-doubt gids here and asks their coordinator for the outcome.
import type { ExecEnv } from '../execution/env.js';
import { preparedXacts } from '../txn/prepared-xacts.js';
import { definePragma } from './pragma-tables.js';
import type { PragmaRow } from './pragma-rows.js';

async function rows(env: ExecEnv): Promise<PragmaRow[]> {
  const reg = await preparedXacts(env.txn.engine);
  return reg.list().map((p) => [p.gid, new Date(p.preparedMs).toISOString(), BigInt(p.lsn), BigInt(p.readLsn), BigInt(p.writes)]);
}

definePragma({ name: 'prepared_xacts', columns: ['gid', 'prepared', 'lsn', 'read_lsn', 'writes'], arg: false, schema: false, rows: (_c, _a, env) => rows(env) });
