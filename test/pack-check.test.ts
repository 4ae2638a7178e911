// The npm package as a user installs it (issue 22, "What it must show"): scripts/pack-check.ts
// builds the package in a staged copy, packs it, installs the tarball into an empty folder and
// there imports every subpath of package.json "exports", runs the CLI and type-checks a strict
// TypeScript file. This runs it as part of the suite, so a packaging regression fails CI.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..');

describe('npm pack check', () => {
  it('builds, packs, installs and loads every exported subpath; leaves the checkout without a new dist/', async () => {
    const distBefore = existsSync(join(repo, 'dist'));
    const { stdout } = await promisify(execFile)(join(repo, 'node_modules', '.bin', 'tsx'), [join(repo, 'scripts', 'pack-check.ts')], { cwd: repo, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 540_000 });
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const expected = Object.keys(pkg.exports).filter((k) => k !== './package.json').map((k) => (k === '.' ? 'dosql' : `dosql/${k.slice(2)}`));
    // The subpaths issue 22 lists, so an "exports" entry that vanished is noticed too.
    for (const sub of ['client', 'cdc', 'lake', 'kysely', 'drizzle', 'd1', 'triggers', 'virtual', 'proc', 'timetravel', 'rpc', 'sharding', 'worker']) expect(expected).toContain(`dosql/${sub}`);
    const line = stdout.split('\n').find((l) => l.startsWith('pack:check: ok'));
    expect(line, stdout).toBeDefined();
    expect(line!.slice(line!.indexOf('subpaths ') + 'subpaths '.length, -1).split(' ')).toEqual(expected);
    expect(existsSync(join(repo, 'dist'))).toBe(distBefore);
  }, 600_000);
});
