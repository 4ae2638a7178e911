// Finding sqllogictest scripts: a folder contributes its *.test / *.slt files, recursively,
// in sorted order, so runs over the same folders visit files in the same order.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The script files under each path (a file is taken as is). Throws naming a path that does not exist. */
export async function collectFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.test') || e.name.endsWith('.slt')) out.push(p);
    }
  };
  for (const p of paths) {
    const s = await stat(p).catch(() => {
      throw new Error(`no such file or folder: ${p}`);
    });
    if (s.isDirectory()) await walk(p);
    else out.push(p);
  }
  return out;
}
