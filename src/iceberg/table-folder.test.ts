// Table folders: one safe, lower-case path segment per table, the same for names SQL treats
// as equal (ASCII case), different for any two names it does not, readable for plain names.
import { describe, expect, it } from 'vitest';
import { Prng } from '../util/prng.js';
import { foldIdentifier, tableFolder } from './table-folder.js';

const SAFE = /^[a-z0-9_-]{1,130}$/;
const WINDOWS_DEVICES = new Set(['con', 'prn', 'aux', 'nul', ...[...'0123456789'].flatMap((d) => [`com${d}`, `lpt${d}`])]);

/** The name a plain-form folder spells (the inverse of the plain form). */
function decodePlain(folder: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < folder.length; i++) {
    if (folder[i] === '-') {
      bytes.push(parseInt(folder.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(folder.charCodeAt(i));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

describe('table folders', () => {
  it('keep plain names, fold ASCII case, escape every other byte, and avoid device names', async () => {
    expect(await tableFolder('item')).toBe('item');
    expect(await tableFolder('Order_Items2')).toBe('order_items2');
    expect(await tableFolder('my-table')).toBe('my-2dtable');
    expect(await tableFolder('a/b')).toBe('a-2fb');
    expect(await tableFolder('x/metadata')).toBe('x-2fmetadata');
    expect(await tableFolder('..')).toBe('-2e-2e');
    expect(await tableFolder('%41')).toBe('-2541');
    expect(await tableFolder('Ä')).toBe('-c3-84'); // U+00C4 is C3 84 in UTF-8; not folded (SQLite folds ASCII only)
    expect(await tableFolder('ä')).toBe('-c3-a4');
    expect(await tableFolder('CON')).toBe('-63on');
    expect(await tableFolder('lpt1')).toBe('-6cpt1');
    expect(await tableFolder('console')).toBe('console');
  });

  it('hash empty, long and ill-formed names, keeping a readable prefix', async () => {
    const empty = await tableFolder('');
    expect(empty).toMatch(/^--[0-9a-f]{32}$/);
    const long = await tableFolder('x'.repeat(300));
    expect(long).toMatch(new RegExp(`^${'x'.repeat(96)}--[0-9a-f]{32}$`));
    expect(await tableFolder('X'.repeat(300))).toBe(long);
    // 40 x 'é' escapes to 240 characters; the prefix never cuts an escape.
    expect(await tableFolder('é'.repeat(40))).toMatch(new RegExp(`^(-c3-a9){16}--[0-9a-f]{32}$`));
    expect(await tableFolder('a\uD800')).not.toBe(await tableFolder('a\uFFFD'));
  });

  it('map names SQL tells apart to distinct safe folders, and equal names to one (random names)', async () => {
    const r = new Prng(13);
    const alphabet = ['a', 'B', 'z', '_', '0', '-', '.', '/', ' ', '%', '~', 'é', 'É', 'ä', '日', '\u{1F600}', '\uD800', '\uDC00', '\0'];
    const byFolder = new Map<string, string>();
    const names: string[] = ['', 'con', 'CON', '-63on', 'c', '-2d', '--'];
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const len = r.chance(0.05) ? 100 + r.int(200) : r.int(8);
      for (let k = 0; k < len; k++) s += alphabet[r.int(alphabet.length)];
      names.push(s);
    }
    for (let i = 0; i < 20; i++) names.push(`${'q'.repeat(150)}${i}`); // long names sharing a prefix
    for (const name of names) {
      const folder = await tableFolder(name);
      expect(folder, JSON.stringify(name)).toMatch(SAFE);
      expect(['.', '..'].includes(folder) || WINDOWS_DEVICES.has(folder), JSON.stringify(name)).toBe(false);
      const swapped = name.replace(/[a-zA-Z]/g, (c) => (c >= 'a' ? c.toUpperCase() : c.toLowerCase()));
      expect(await tableFolder(swapped), 'ASCII case').toBe(folder);
      const folded = foldIdentifier(name);
      const seen = byFolder.get(folder);
      if (seen !== undefined) expect(seen, `${JSON.stringify(name)} and its folder ${folder}`).toBe(folded);
      byFolder.set(folder, folded);
      if (!folder.includes('--')) expect(decodePlain(folder)).toBe(folded);
    }
  });
});
