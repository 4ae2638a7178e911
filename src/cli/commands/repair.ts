// dosql repair <db> [--apply] [--format table|json]: what repair finds in a database whose
// latest manifest (or a file it references) is damaged — every manifest version, whether it
// decodes and its files verify, the newest one to fall back to, and the LSNs that would be
// lost — and, with --apply, the new manifest written from it (src/node/repair.ts).
import { repair, type RepairReport } from '../../node/repair.js';
import { resolve } from 'node:path';
import { boolOpt, choiceOpt, parseCommand } from '../args.js';
import { println, type CliIO } from '../io.js';
import { USAGE } from '../usage.js';

const OPTIONS = { apply: { type: 'boolean' }, format: { type: 'string', short: 'f' } } as const;

export async function repairCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand('repair', argv, OPTIONS, { min: 1, max: 1 });
  if (p.values.help) {
    println(io.stdout, USAGE.repair);
    return 0;
  }
  const format = choiceOpt('repair', p, 'format', ['table', 'json'] as const, 'table');
  const apply = boolOpt(p, 'apply');
  const db = p.positionals[0]!;
  const report = await repair(resolve(io.cwd, db), { apply });
  if (format === 'json') println(io.stdout, JSON.stringify(report, null, 2));
  else for (const line of describe(report, db, apply)) println(io.stdout, line);
  return 0;
}

/** The report as lines for people. */
export function describe(r: RepairReport, db: string, apply: boolean): string[] {
  const out: string[] = ['manifest versions, newest first:'];
  for (const m of r.manifests) {
    const what = m.status === 'damaged' ? 'DAMAGED' : m.status === 'bad-files' ? 'BAD FILES' : 'ok';
    const facts = m.epoch === null ? '' : `  epoch ${m.epoch}, last LSN ${m.lastLsn}, flushed through ${m.flushedLsn}, ${m.files} data files`;
    out.push(`  ${m.key}  ${what}${facts}`);
    for (const problem of m.problems.slice(0, 5)) out.push(`      ${problem}`);
    if (m.problems.length > 5) out.push(`      ... and ${m.problems.length - 5} more`);
  }
  const fb = r.fallback;
  if (r.healthy) {
    out.push(`the latest manifest and all its files verify: nothing to repair${apply ? ' (nothing written)' : ''}`);
    for (const w of r.warnings) out.push(`warning: ${w}`);
    return out;
  }
  if (!fb) {
    out.push('no manifest version verifies: nothing to fall back to (restore the folder from a backup)');
    return out;
  }
  const from = fb.key ?? 'the empty database before the first manifest';
  if (fb.key) out.push(`newest consistent manifest: ${fb.key} (epoch ${fb.epoch}): files hold LSNs through ${fb.flushedLsn}; the WAL replays ${fb.walCommits} more commits, through LSN ${fb.recoveredLsn}`);
  else out.push(`no manifest version verifies, but the WAL holds the whole history: falling back to ${from} replays ${fb.walCommits} commits, through LSN ${fb.recoveredLsn}`);
  if (fb.walStoppedBy) out.push(`  the WAL replay stops early: ${fb.walStoppedBy}`);
  if (r.lost) out.push(`falling back loses LSNs ${r.lost.fromLsn}..${r.lost.toLsn} (seen in newer manifests, WAL segments or SSTables; some may never have been committed)`);
  else out.push('falling back loses no LSN the store still shows');
  if (r.unreferencedFiles.length > 0) out.push(`${r.unreferencedFiles.length} data files are not in it; the first open after repair deletes them`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  if (r.applied) out.push(`wrote ${r.applied.key} (epoch ${r.applied.epoch}) from ${from}: the database opens again; the damaged versions stay in place, unused`);
  else out.push(`nothing was changed; \`dosql repair ${db} --apply\` writes a new manifest version from ${from}`);
  return out;
}
