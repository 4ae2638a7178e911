// The coordinator of `npm run crash:2pc` (scripts/twopc-crash-harness.ts): a Node process that
// recovers the coordinator log (src/shard/twopc) at start, then runs random transfers between
// accounts on different shards, each a distributed transaction that also writes one row per
// side into each shard's `transfers` table. After a transfer commits (runDistributedTransaction
// returned: the decision is logged and COMMIT PREPARED was sent) it prints
//   ACK <gid> <from shard> <from account> <to shard> <to account> <amount>
// which the parent records. Mode "recover": recover until nothing is in doubt, print
// "RECOVERED", exit.
// Usage: node --import tsx scripts/twopc-crash-coordinator.ts <log dir> <ports,...> <accounts> <seed> run|recover
import { FsObjectStore } from '../src/storage/fs-store.js';
import { TwoPhaseCoordinator, errorCode, type TwoPhaseParticipant } from '../src/shard/twopc/index.js';
import { Prng } from '../src/util/prng.js';

const [logDir, portsArg, accountsArg, seedArg, mode] = process.argv.slice(2);
const ports = portsArg!.split(',').map(Number);
const accounts = Number(accountsArg);
const rng = new Prng(Number(seedArg));
/** This process's connection id: shards roll back what an earlier (dead) connection left open. */
const conn = `${process.pid}-${Date.now()}`;

class WireError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

function httpParticipant(id: string, port: number): TwoPhaseParticipant {
  return {
    id,
    async exec(sql: string, params?: unknown[]): Promise<unknown> {
      const res = await fetch(`http://127.0.0.1:${port}/exec`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ conn, sql, params }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await res.json()) as { rows?: unknown[]; error?: { code: string; message: string; details: Record<string, unknown> } };
      if (body.error) throw new WireError(body.error.message, body.error.code, body.error.details);
      return body.rows;
    },
  };
}

const participants = ports.map((p, i) => httpParticipant(`s${i}`, p));
// Phases go to the parent, which may SIGKILL someone right then (the windows between durable states).
const coordinator = new TwoPhaseCoordinator({ store: new FsObjectStore(logDir!), id: 'bank', resolveAttempts: 3, retryDelayMs: 30, onPhase: (gid, phase) => console.log(`PHASE ${phase} ${gid}`) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Recovers until no gid is in doubt (shards that are down are retried). */
async function recoverAll(): Promise<void> {
  for (;;) {
    try {
      const r = await coordinator.recover(participants);
      if (r.unresolved.length === 0) {
        console.log(`RECOVERED ${r.committed.length} ${r.rolledBack.length}`);
        return;
      }
    } catch {
      // A shard is restarting.
    }
    await sleep(50);
  }
}

await recoverAll();
if (mode === 'recover') process.exit(0);

for (;;) {
  const a = rng.int(ports.length);
  const b = (a + 1 + rng.int(ports.length - 1)) % ports.length;
  const fa = rng.int(accounts);
  const tb = rng.int(accounts);
  const amount = 1 + rng.int(100);
  let retry = false;
  try {
    const r = await coordinator.runDistributedTransaction(participants, async (tx) => {
      await tx.exec(participants[a]!, 'UPDATE account SET balance = balance - ? WHERE id = ?', [amount, fa]);
      await tx.exec(participants[a]!, 'INSERT INTO transfers VALUES (?, ?, ?)', [tx.gid, fa, -amount]);
      await tx.exec(participants[b]!, 'UPDATE account SET balance = balance + ? WHERE id = ?', [amount, tb]);
      await tx.exec(participants[b]!, 'INSERT INTO transfers VALUES (?, ?, ?)', [tx.gid, tb, amount]);
    });
    console.log(`ACK ${r.gid} ${a} ${fa} ${b} ${tb} ${amount}`);
    retry = r.unresolved.length > 0;
  } catch (e) {
    const code = errorCode(e) ?? 'TRANSPORT';
    console.log(`ERR ${code}`);
    retry = code === 'TRANSPORT' || code === 'COMMIT_UNKNOWN' || code === 'IO_ERROR' || code === 'WRITE_CONFLICT';
  }
  if (retry) {
    // A shard was unreachable: finish what is in doubt once it is back (nothing else in flight here).
    await sleep(30);
    await coordinator.recover(participants).catch(() => undefined);
  }
}
