// `npm run slt:corpus` (scripts/slt-corpus.ts) on a small made-up corpus: dosql by default,
// files in batches of child processes, totals with the engine, timeouts counted, results saved
// per file so that a rerun skips the files already done, and a part of the corpus run alone
// counting toward the whole.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slt-corpus-'));
  await mkdir(join(dir, 'corpus', 'sub'), { recursive: true });
  await writeFile(join(dir, 'corpus', 'a.test'), 'statement ok\nCREATE TABLE t(a INTEGER)\n\nstatement ok\nINSERT INTO t VALUES(1),(2)\n\nquery I rowsort\nSELECT a FROM t\n----\n1\n2\n');
  await writeFile(join(dir, 'corpus', 'sub', 'b.test'), 'query I nosort\nSELECT 1\n----\n2\n\nquery I nosort\nSELECT 2\n----\n2\n');
  await writeFile(join(dir, 'corpus', 'sub', 'c.test'), 'onlyif mysql\nquery I nosort\nSELECT 1\n----\n1\n\nquery T nosort\nSELECT typeof(1.5)\n----\nreal\n');
  await writeFile(join(dir, 'corpus', 'notes.txt'), 'not a script');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the script; its stdout lines. */
async function corpus(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/slt-corpus.ts', ...args], { cwd: repo, env: { ...process.env, SLT_CORPUS: '', ...env } });
  return stdout.trimEnd().split('\n');
}

describe('npm run slt:corpus', () => {
  it('runs every file on dosql in batches, prints the total with the engine, and a rerun skips what is done', async () => {
    const state = join(dir, 'state.json');
    const first = await corpus([join(dir, 'corpus'), '--batch', '2', '--state', state]);
    expect(first[0]).toMatch(/^slt:corpus: engine dosql, 3 files under .*; 0 done already .*, 3 to run in batches of 2, /);
    expect(first.filter((l) => /^(a|sub\/b|sub\/c)\.test +passed/.test(l))).toHaveLength(3);
    // The failure shown is dosql's answer.
    expect(first).toContain('FAIL ' + join(dir, 'corpus', 'sub', 'b.test') + ':1  wrong result');
    expect(first.at(-1)).toBe('total (engine dosql): 3 of 3 files run, 5 passed, 1 failed, 1 skipped, 0 timeouts');
    const saved = JSON.parse(await readFile(state, 'utf8')) as { engine: string; files: Record<string, { passed: number; failed: number }> };
    expect(saved.engine).toBe('dosql');
    expect(Object.keys(saved.files).sort()).toEqual(['a.test', 'sub/b.test', 'sub/c.test']);

    // A file changed since it ran is not run again: its saved result stands.
    await writeFile(join(dir, 'corpus', 'a.test'), 'query I nosort\nSELECT 1\n----\n3\n');
    const again = await corpus([join(dir, 'corpus'), '--state', state]);
    expect(again[0]).toMatch(/; 3 done already .*, 0 to run /);
    expect(again.some((l) => / +passed \d+ +failed /.test(l))).toBe(false);
    expect(again.at(-1)).toBe(first.at(-1));
  });

  it('runs a part of the corpus (the folder from $SLT_CORPUS), and the rest later', async () => {
    const state = join(dir, 'parts.json');
    const env = { SLT_CORPUS: join(dir, 'corpus') };
    const part = await corpus(['sub', '--state', state], env);
    expect(part[0]).toMatch(/^slt:corpus: engine dosql, 2 files under .* \(sub\); 0 done already /);
    expect(part.at(-1)).toBe('total (engine dosql): 2 of 2 files run, 2 passed, 1 failed, 1 skipped, 0 timeouts');
    const rest = await corpus(['--state', state], env);
    expect(rest[0]).toMatch(/; 2 done already .*, 1 to run /);
    expect(rest.at(-1)).toBe('total (engine dosql): 3 of 3 files run, 2 passed, 2 failed, 1 skipped, 0 timeouts');
  });

  it('fails a record stuck past the timeout, counts it, and carries on with the file; --engine sqlite runs the reference', async () => {
    await mkdir(join(dir, 'slow'));
    const forever = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c';
    await writeFile(join(dir, 'slow', 'hang.test'), `query I nosort\n${forever}\n----\n1\n\nquery I nosort\nSELECT 7\n----\n7\n`);
    const lines = await corpus([join(dir, 'slow'), '--engine', 'sqlite', '--timeout', '0.5', '--state', join(dir, 'slow.json')]);
    expect(lines.at(-1)).toBe('total (engine sqlite): 1 of 1 files run, 1 passed, 1 failed, 0 skipped, 1 timeouts');
    // Results of one engine are never mixed with another's.
    await expect(corpus([join(dir, 'slow'), '--state', join(dir, 'slow.json')])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('holds results of engine sqlite, not dosql') });
  });
});
