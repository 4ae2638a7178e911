// The CLI's text readers and writers: the RFC 4180 CSV reader (hand cases, every chunk split,
// round trips through the CSV writer, DuckDB as an oracle), the JSON array / NDJSON readers,
// the SQL statement splitter and the output formats.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvReader, parseCsv, type CsvRecord } from '../src/cli/csv-reader.js';
import { JsonArrayReader, NdjsonReader, type JsonRow } from '../src/cli/json-reader.js';
import { splitSql } from '../src/cli/sql-split.js';
import { csvField, formatCsv, formatJson, formatTable, realText } from '../src/cli/format.js';
import { formatArrow } from '../src/cli/format-arrow.js';
import { inferJsonType, inferTextType } from '../src/cli/infer-schema.js';
import { Prng } from '../src/util/prng.js';

const dir = mkdtempSync(join(tmpdir(), 'dosql-cli-readers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Feeds `text` in the given pieces. */
function csvInPieces(pieces: string[], delimiter?: string): CsvRecord[] {
  const r = new CsvReader(delimiter ? { delimiter } : {});
  const out: CsvRecord[] = [];
  for (const p of pieces) r.push(p, out);
  return r.end(out);
}

describe('CSV reader (RFC 4180)', () => {
  it('reads the RFC examples: quotes, escaped quotes, delimiters and line breaks inside quotes', () => {
    expect(parseCsv('aaa,bbb,ccc\r\nzzz,yyy,xxx\r\n')).toEqual([
      ['aaa', 'bbb', 'ccc'],
      ['zzz', 'yyy', 'xxx'],
    ]);
    expect(parseCsv('aaa,bbb,ccc\r\nzzz,yyy,xxx')).toEqual([
      ['aaa', 'bbb', 'ccc'],
      ['zzz', 'yyy', 'xxx'],
    ]);
    expect(parseCsv('"aaa","b\r\nbb","ccc"\r\nzzz,yyy,xxx')).toEqual([
      ['aaa', 'b\r\nbb', 'ccc'],
      ['zzz', 'yyy', 'xxx'],
    ]);
    expect(parseCsv('"aaa","b""bb","ccc"')).toEqual([['aaa', 'b"bb', 'ccc']]);
    expect(parseCsv('"a,b",c')).toEqual([['a,b', 'c']]);
  });

  it('reads empty fields: unquoted as null, quoted as the empty string', () => {
    expect(parseCsv('a,,c\n"",x,\n,,\n')).toEqual([
      ['a', null, 'c'],
      ['', 'x', null],
      [null, null, null],
    ]);
    expect(parseCsv('a,b,')).toEqual([['a', 'b', null]]);
  });

  it('accepts LF, CRLF and lone CR line ends, skips empty lines, drops a BOM', () => {
    expect(parseCsv('\uFEFFa,b\n1,2\r\n3,4\r5,6\n\n\r\n7,8\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
      ['7', '8'],
    ]);
  });

  it('keeps a quote inside an unquoted field, spaces around fields, and unicode', () => {
    expect(parseCsv('ab"c, d ,é€😀\n')).toEqual([['ab"c', ' d ', 'é€😀']]);
  });

  it('reads other delimiters (TSV)', () => {
    expect(parseCsv('a\tb\t"c\td"\n1\t\t3', { delimiter: '\t' })).toEqual([
      ['a', 'b', 'c\td'],
      ['1', null, '3'],
    ]);
  });

  it('rejects text after a closing quote and an unclosed quote, naming the line', () => {
    expect(() => parseCsv('a,b\n"x"y,z\n')).toThrow(/line 2/);
    expect(() => parseCsv('a,b\n1,"open\nstill open')).toThrow(/line 2: a quoted field is not closed/);
    expect(() => new CsvReader({ delimiter: '"' })).toThrow(/delimiter/);
  });

  it('gives the same records for every split of the input into two and many chunks', () => {
    const text = 'id,"na""me",x\r\n1,"multi\nline, with comma",\r\n2,"",""""\n\n3,plain,"q"\r4,last,"end"';
    const whole = parseCsv(text);
    expect(whole).toHaveLength(5);
    for (let i = 0; i <= text.length; i++) expect(csvInPieces([text.slice(0, i), text.slice(i)])).toEqual(whole);
    expect(csvInPieces([...text])).toEqual(whole);
  });

  it('round-trips random records through the CSV writer, whatever the chunking', () => {
    const rng = new Prng(42);
    const alphabet = ['a', 'b', ',', '"', '\n', '\r\n', ' ', 'é', '😀', '\t'];
    for (let trial = 0; trial < 200; trial++) {
      const cols = 1 + rng.int(4);
      const records: CsvRecord[] = [];
      for (let r = 0; r < 1 + rng.int(5); r++) {
        const rec: CsvRecord = [];
        for (let c = 0; c < cols; c++) {
          if (rng.int(6) === 0) rec.push(null);
          else rec.push(Array.from({ length: rng.int(6) }, () => alphabet[rng.int(alphabet.length)]).join(''));
        }
        // A record of one null field is an empty line, which readers skip.
        if (cols === 1 && rec[0] === null) rec[0] = 'x';
        records.push(rec);
      }
      const text = records.map((r) => r.map((f) => csvField(f)).join(',')).join('\r\n');
      const cuts: string[] = [];
      for (let i = 0; i < text.length; ) {
        const n = 1 + rng.int(7);
        cuts.push(text.slice(i, i + n));
        i += n;
      }
      expect(csvInPieces(cuts)).toEqual(records);
    }
  });

  it('agrees with DuckDB read_csv on a file with quoting, empty fields and embedded line ends', async () => {
    const text = 'id,name,note\n1,"Smith, J.","said ""hi"""\n2,plain,\n3,"two\nlines",x\n4,"",y\n';
    const path = join(dir, 'oracle.csv');
    writeFileSync(path, text);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const got = (await duck.runAndReadAll(`SELECT * FROM read_csv('${path}', header = true, all_varchar = true, quote = '"', escape = '"', allow_quoted_nulls = false)`)).getRows();
    const mine = parseCsv(text).slice(1);
    // With allow_quoted_nulls off DuckDB reads "" as the empty string and an unquoted empty field as NULL, as PostgreSQL's COPY does.
    expect(mine).toEqual(got.map((r) => r.map((v) => (v === null ? null : String(v)))));
  });
});

describe('schema inference', () => {
  it('types CSV columns: INTEGER, REAL, TEXT', () => {
    expect(inferTextType(['1', '-2', null, '+3'])).toBe('INTEGER');
    expect(inferTextType(['1', '2.5', '1e3', '.5'])).toBe('REAL');
    expect(inferTextType(['1', 'x'])).toBe('TEXT');
    expect(inferTextType(['99999999999999999999'])).toBe('REAL');
    expect(inferTextType([' 1'])).toBe('TEXT');
    expect(inferTextType([null, null])).toBe('TEXT');
  });
  it('types JSON columns', () => {
    expect(inferJsonType([1, 2, null, true])).toBe('INTEGER');
    expect(inferJsonType([1, 2.5])).toBe('REAL');
    expect(inferJsonType(['a', { b: 1 }])).toBe('TEXT');
    expect(inferJsonType([1, 'a'])).toBe('');
  });
});

describe('JSON readers', () => {
  const rows: JsonRow[] = [{ a: 1, b: 'x,]}' }, { a: 2, b: { nested: [1, { c: '"' }] } }, { a: 3, b: null }];
  it('reads a JSON array in any chunking', () => {
    const text = ` \n[ ${rows.map((r) => JSON.stringify(r)).join(' ,\n ')} ]\n`;
    for (let i = 0; i <= text.length; i++) {
      const r = new JsonArrayReader();
      const out: JsonRow[] = [];
      r.push(text.slice(0, i), out);
      r.push(text.slice(i), out);
      r.end();
      expect(out).toEqual(rows);
    }
    const empty = new JsonArrayReader();
    expect(empty.push('[ ]')).toEqual([]);
    empty.end();
  });
  it('rejects what is not an array of objects', () => {
    expect(() => new JsonArrayReader().push('{"a":1}')).toThrow(/expected '\['/);
    expect(() => new JsonArrayReader().push('[1, 2]')).toThrow(/expected an object/);
    const r = new JsonArrayReader();
    r.push('[{"a":1}');
    expect(() => r.end()).toThrow(/ends inside the array/);
  });
  it('reads NDJSON in any chunking, skipping blank lines; errors name the line', () => {
    const text = `${rows.map((r) => JSON.stringify(r)).join('\r\n')}\n\n`;
    for (let i = 0; i <= text.length; i++) {
      const r = new NdjsonReader();
      const out: JsonRow[] = [];
      r.push(text.slice(0, i), out);
      r.push(text.slice(i), out);
      expect(r.end(out)).toEqual(rows);
    }
    expect(() => new NdjsonReader().push('{"a":1}\n{oops}\n')).toThrow(/line 2/);
  });
});

describe('SQL splitter', () => {
  it('cuts at semicolons outside strings, identifiers and comments', () => {
    expect(splitSql("SELECT 'a;b'; SELECT \"x;\" FROM [t;]; -- c;\nSELECT 1 /* ; */;").statements).toEqual(["SELECT 'a;b'", 'SELECT "x;" FROM [t;]', '-- c;\nSELECT 1 /* ; */']);
    expect(splitSql("SELECT 'it''s;'; x").statements).toEqual(["SELECT 'it''s;'"]);
  });
  it('reports the unfinished rest (the shell keeps reading lines)', () => {
    expect(splitSql('SELECT 1;\nSELECT\n  2')).toEqual({ statements: ['SELECT 1'], rest: 'SELECT\n  2' });
    expect(splitSql("SELECT 'open;")).toEqual({ statements: [], rest: "SELECT 'open;" });
    expect(splitSql(';; -- only a comment\n')).toEqual({ statements: [], rest: '' });
  });
  it('keeps a trigger body whole until END;', () => {
    const t = 'CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE u SET n = n + 1; DELETE FROM v; END; SELECT 1;';
    expect(splitSql(t).statements).toEqual(['CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE u SET n = n + 1; DELETE FROM v; END', 'SELECT 1']);
    expect(splitSql('CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;').rest).toMatch(/^CREATE TEMP TRIGGER/);
  });
});

describe('output formats', () => {
  const rs = { columns: ['id', 'name', 'score', 'data'], rows: [[1n, 'a,"b"', 1.5, new Uint8Array([1, 255])], [9007199254740993n, '', 3, null], [-2n, null, Infinity, null]] };
  it('table: aligned, NULL shown, REAL keeps its .0, row count', () => {
    expect(formatTable(rs)).toBe(
      [
        ' id               | name  | score | data',
        '------------------+-------+-------+---------',
        '                1 | a,"b" |   1.5 | x\'01ff\'',
        ' 9007199254740993 |       |   3.0 | NULL',
        '               -2 | NULL  |   Inf | NULL',
        '(3 rows)',
        '',
      ].join('\n'),
    );
    expect(realText(1e21)).toBe('1e+21');
  });
  it('json: exact integers, infinities JSON.parse reads back, blobs as base64', () => {
    const text = formatJson(rs);
    expect(text).toContain('"id":9007199254740993');
    const back = JSON.parse(text) as Record<string, unknown>[];
    expect(back[0]).toEqual({ id: 1, name: 'a,"b"', score: 1.5, data: 'Af8=' });
    expect(back[2]!.score).toBe(Infinity);
    expect(formatJson({ columns: ['a'], rows: [] })).toBe('[]\n');
  });
  it('csv: RFC 4180 quoting that the reader reads back', () => {
    const text = formatCsv(rs);
    expect(text.split('\r\n')[1]).toBe('1,"a,""b""",1.5,x\'01ff\'');
    expect(parseCsv(text)).toEqual([
      ['id', 'name', 'score', 'data'],
      ['1', 'a,"b"', '1.5', "x'01ff'"],
      ['9007199254740993', '', '3.0', null],
      ['-2', null, 'Inf', null],
    ]);
  });
  it('arrow: an IPC stream with a type per column, mixed columns as dense unions', () => {
    const t = tableFromIPC(formatArrow({ columns: ['i', 'r', 't', 'mixed', 'nul', 'i'], rows: [[1n, 1n, 'x', 1n, null, 5n], [2n, 2.5, null, 'y', null, 6n]] }));
    expect(t.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(['i:Int64', 'r:Union<Int64 | Float64>', 't:Utf8', 'mixed:Union<Int64 | Utf8>', 'nul:Null', 'i:2:Int64']);
    expect(t.toArray().map((r) => r.toJSON())).toEqual([
      { i: 1n, r: 1n, t: 'x', mixed: 1n, nul: null, 'i:2': 5n },
      { i: 2n, r: 2.5, t: null, mixed: 'y', nul: null, 'i:2': 6n },
    ]);
  });
});
