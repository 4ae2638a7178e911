// SQLite's external-content sync triggers (https://sqlite.org/fts5.html#external_content_tables)
// run unchanged on dosql, whose index already follows the content table: the triggers' INSERT
// and 'delete' into the fts5 table do nothing, and every query answers as SQLite's FTS5 with
// the same triggers over the same random writes.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { Rng } from './support/sql-gen/random.js';

const SCHEMA = `
CREATE TABLE docs(id INTEGER PRIMARY KEY, title TEXT, body TEXT);
CREATE VIRTUAL TABLE f USING fts5(title, body, content='docs', content_rowid='id');
CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN
  INSERT INTO f(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER docs_ad AFTER DELETE ON docs BEGIN
  INSERT INTO f(f, rowid, title, body) VALUES('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER docs_au AFTER UPDATE ON docs BEGIN
  INSERT INTO f(f, rowid, title, body) VALUES('delete', old.id, old.title, old.body);
  INSERT INTO f(rowid, title, body) VALUES (new.id, new.title, new.body);
END;`;

const WORDS = ['red', 'blue', 'green', 'fox', 'hen', 'deer', 'quick', 'lazy', 'river', 'stone', 'night', 'day'];

describe('fts5 external content with SQLite sync triggers', () => {
  it('random inserts, updates and deletes of the content table: the same rows and bm25 as SQLite', async () => {
    const rng = new Rng(29);
    const text = (n: number): string => Array.from({ length: n }, () => rng.pick(WORDS)).join(' ');
    const lite = new Database(':memory:');
    lite.exec(SCHEMA);
    const db = DB('fts-sync-triggers', { storage: 'memory' });
    await db.exec(SCHEMA);
    const both = async (sql: string, params: unknown[]): Promise<void> => {
      lite.prepare(sql).run(...params);
      await db.run(sql, params as never);
    };
    // No INSERT OR REPLACE: its implicit delete fires no DELETE trigger in SQLite (without
    // recursive_triggers), which leaves SQLite's own index inconsistent.
    const ids = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const id = rng.int(1, 60);
      const k = rng.int(0, 9);
      if (ids.has(id) && k < 2) {
        await both('DELETE FROM docs WHERE id = ?', [id]);
        ids.delete(id);
      } else if (ids.has(id)) await both('UPDATE docs SET body = ? WHERE id = ?', [text(rng.int(1, 6)), id]);
      else {
        await both('INSERT INTO docs(id, title, body) VALUES (?, ?, ?)', [id, text(2), text(rng.int(1, 8))]);
        ids.add(id);
      }
    }
    const bad: string[] = [];
    const sql = "SELECT rowid, title, body, round(bm25(f), 9) AS score FROM f WHERE f MATCH ? ORDER BY score, rowid";
    for (let q = 0; q < 80; q++) {
      const query = rng.chance(0.5) ? rng.pick(WORDS) : `${rng.pick(WORDS)} ${rng.pick(['AND', 'OR', 'NOT'])} ${rng.pick(WORDS)}`;
      const want = lite.prepare(sql).all(query);
      const got = await db.query(sql, [query]);
      if (JSON.stringify(got) !== JSON.stringify(want)) bad.push(`${query}: sqlite ${JSON.stringify(want).slice(0, 120)} dosql ${JSON.stringify(got).slice(0, 120)}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(await db.query('SELECT count(*) AS n FROM docs')).toEqual(lite.prepare('SELECT count(*) AS n FROM docs').all());
    lite.close();
    await db.close();
  });
});
