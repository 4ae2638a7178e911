import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { KvAdapter } from './kv-adapter.js';

/** better-sqlite3: a WITHOUT ROWID table, WAL journal, synchronous=NORMAL. */
export class SqliteKv implements KvAdapter {
  readonly name = 'sqlite' as const;
  readonly durability = 'journal_mode=WAL, synchronous=NORMAL';
  readonly compactAll = async (): Promise<void> => {
    this.db.exec('VACUUM');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  };
  private db!: Database.Database;
  private insert!: Database.Statement;
  private select!: Database.Statement;
  private range!: Database.Statement;
  private all!: Database.Statement;
  private batch!: (keys: string[], values: Uint8Array[]) => void;

  async open(dir: string): Promise<void> {
    this.db = new Database(join(dir, 'kv.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID');
    this.insert = this.db.prepare('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)');
    this.select = this.db.prepare('SELECT v FROM kv WHERE k = ?').pluck();
    this.range = this.db.prepare('SELECT k, v FROM kv WHERE k >= ? ORDER BY k LIMIT ?');
    this.all = this.db.prepare('SELECT k, v FROM kv ORDER BY k');
    this.batch = this.db.transaction((keys: string[], values: Uint8Array[]) => {
      for (let i = 0; i < keys.length; i++) this.insert.run(keys[i], values[i]);
    });
  }
  async putBatch(keys: string[], values: Uint8Array[]): Promise<void> {
    this.batch(keys, values);
  }
  get(key: string): Uint8Array | undefined {
    return this.select.get(key) as Uint8Array | undefined;
  }
  async scanAll(): Promise<number> {
    let n = 0;
    for (const _ of this.all.iterate()) n++;
    return n;
  }
  async seek(key: string, n: number): Promise<number> {
    let got = 0;
    for (const _ of this.range.iterate(key, n)) got++;
    return got;
  }
  async settle(): Promise<void> {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }
  async close(): Promise<void> {
    this.db.close();
  }
}
