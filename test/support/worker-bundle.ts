// The production bundle, run without wrangler's dev server: `wrangler deploy --dry-run
// --outdir` builds exactly what `wrangler deploy` uploads, and miniflare runs it in workerd with
// the bindings of wrangler.toml. Requests reach workerd directly (no dev proxy in between), so
// the load benchmark and cold-start figures measure the Worker, not the tooling.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Miniflare } from 'miniflare';
import { unstable_readConfig } from 'wrangler';
import { ROOT } from './worker-harness.js';

export interface BundleFile {
  name: string;
  bytes: number;
  gzipBytes: number;
}

/** Builds the Worker into `outDir`; returns its modules with raw and gzip (level 9) sizes. */
export function buildBundle(outDir: string): BundleFile[] {
  execFileSync(join(ROOT, 'node_modules', '.bin', 'wrangler'), ['deploy', '--dry-run', '--outdir', outDir], { cwd: ROOT, stdio: 'pipe', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
  return readdirSync(outDir)
    .filter((f) => !f.endsWith('.map') && !f.endsWith('.md') && statSync(join(outDir, f)).isFile())
    .map((name) => {
      const bytes = readFileSync(join(outDir, name));
      return { name: name.replace(/^[0-9a-f]{40}-/, ''), bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
    });
}

export interface BundledWorker {
  url: string;
  stop(): Promise<void>;
}

/** Runs the bundle in `bundleDir` in workerd, state under `persistDir`. */
export async function startBundledWorker(options: { bundleDir: string; persistDir: string; token: string; vars?: Record<string, string> }): Promise<BundledWorker> {
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
  const config = unstable_readConfig({ config: join(ROOT, 'wrangler.toml') }, { hideWarnings: true });
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.vars ?? {})) vars[k] = String(v);
  const mf = new Miniflare({
    // Listed rather than discovered: miniflare's import scanner refuses the bundle's one
    // dynamic import with a computed specifier (the Node-only lz4 build, never loaded here).
    modulesRoot: options.bundleDir,
    modules: readdirSync(options.bundleDir)
      .filter((f) => f.endsWith('.js') || f.endsWith('.wasm'))
      .sort((a, b) => (a === 'index.js' ? -1 : b === 'index.js' ? 1 : a.localeCompare(b)))
      .map((f) => ({ type: f.endsWith('.wasm') ? ('CompiledWasm' as const) : ('ESModule' as const), path: join(options.bundleDir, f) })),
    compatibilityDate: config.compatibility_date!,
    compatibilityFlags: config.compatibility_flags ?? [],
    durableObjects: { DOSQL: { className: 'DoSQL', useSQLite: true }, DOLAKE: { className: 'DoLake', useSQLite: true } },
    r2Buckets: ['COLD', 'LAKEHOUSE_BUCKET'],
    bindings: { ...vars, ...(options.vars ?? {}), DOSQL_TOKEN: options.token },
    durableObjectsPersist: join(options.persistDir, 'do'),
    r2Persist: join(options.persistDir, 'r2'),
    host: '127.0.0.1',
    port: 0,
  });
  const url = (await mf.ready).origin;
  return { url, stop: () => mf.dispose() };
}
