import { describe, expect, it } from 'vitest';
import { tokenize, type Token } from './lexer.js';

const brief = (ts: Token[]) => ts.map((t) => [t.type, t.value]);

describe('tokenize', () => {
  it('splits words, operators and literals and ends with eof', () => {
    expect(brief(tokenize("SELECT a+1, 'x' FROM t;"))).toEqual([
      ['word', 'SELECT'],
      ['word', 'A'],
      ['op', '+'],
      ['integer', '1'],
      ['op', ','],
      ['string', 'x'],
      ['word', 'FROM'],
      ['word', 'T'],
      ['op', ';'],
      ['eof', ''],
    ]);
  });

  it('marks SQLite keywords but not FILTER/OVER/WINDOW or plain names', () => {
    const [sel, filter, over, window, rowid] = tokenize('select filter over window rowid');
    expect(sel!.keyword).toBe(true);
    expect([filter!.keyword, over!.keyword, window!.keyword, rowid!.keyword]).toEqual([false, false, false, false]);
    expect(sel!.text).toBe('select');
  });

  it('reads every multi-character operator greedily', () => {
    expect(tokenize('|| -> ->> << >> <= >= == != <> < > = & | ~ % / * . ( ) ;').slice(0, -1).map((t) => t.value)).toEqual(
      ['||', '->', '->>', '<<', '>>', '<=', '>=', '==', '!=', '<>', '<', '>', '=', '&', '|', '~', '%', '/', '*', '.', '(', ')', ';'],
    );
  });

  it('unquotes strings and identifiers with doubled quotes', () => {
    expect(brief(tokenize(`'it''s' "a""b" [x y] \`c\`\`d\``)).slice(0, -1)).toEqual([
      ['string', "it's"],
      ['qid', 'a"b'],
      ['qid', 'x y'],
      ['qid', 'c`d'],
    ]);
    expect(tokenize('"a" [b] `c`').slice(0, 3).map((t) => t.quote)).toEqual(['"', '[', '`']);
  });

  it('reads numbers in all SQLite forms, with _ separators between digits', () => {
    expect(brief(tokenize('1 1.5 .5 1. 1e5 1E+5 2.5e-3 0x1F 0XaB 1_000 0xFF_FF 1e1_0')).slice(0, -1)).toEqual([
      ['integer', '1'],
      ['float', '1.5'],
      ['float', '.5'],
      ['float', '1.'],
      ['float', '1e5'],
      ['float', '1E+5'],
      ['float', '2.5e-3'],
      ['integer', '0x1F'],
      ['integer', '0XaB'],
      ['integer', '1000'],
      ['integer', '0xFFFF'],
      ['float', '1e10'],
    ]);
  });

  it('reads blobs and parameters', () => {
    expect(brief(tokenize("x'0aFF' X'' ? ?12 :name @n $v :1")).slice(0, -1)).toEqual([
      ['blob', '0aFF'],
      ['blob', ''],
      ['param', '?'],
      ['param', '?12'],
      ['param', ':name'],
      ['param', '@n'],
      ['param', '$v'],
      ['param', ':1'],
    ]);
  });

  it('treats code units >= 0x80 as identifier characters', () => {
    expect(brief(tokenize('café Ω_1 名前')).slice(0, -1)).toEqual([
      ['word', 'CAFÉ'],
      ['word', 'Ω_1'],
      ['word', '名前'],
    ]);
  });

  it('skips comments and whitespace and tracks line and column', () => {
    const ts = tokenize('-- c1\n  a /* x\n y */ b\r\n\tc--end');
    expect(ts.map((t) => [t.text, t.line, t.column, t.start])).toEqual([
      ['a', 2, 3, 8],
      ['b', 3, 7, 21],
      ['c', 4, 2, 25],
      ['', 4, 8, 31],
    ]);
  });

  it('reports tokens spanning lines at their start', () => {
    const ts = tokenize("'a\nb' c");
    expect(ts[0]).toMatchObject({ type: 'string', value: 'a\nb', line: 1, column: 1 });
    expect(ts[1]).toMatchObject({ text: 'c', line: 2, column: 4 });
  });

  it('turns malformed input into one illegal token and stops', () => {
    const cases: [string, string, string][] = [
      ["select 'abc", "'abc", 'unterminated string'],
      ['select "abc', '"abc', 'unterminated quoted identifier'],
      ['select [abc', '[abc', 'unterminated quoted identifier'],
      ['select /* abc', '/* abc', 'unterminated comment'],
      ["select x'abc'", "x'abc'", 'malformed blob literal'],
      ["select x'zz'", "x'zz'", 'malformed blob literal'],
      ["select x'ab", "x'ab", 'unterminated blob'],
      ['select 1abc', '1abc', 'unrecognized token'],
      ['select 0x', '0x', 'unrecognized token'],
      ['select 1e', '1e', 'unrecognized token'],
      ['select 1__0', '1__0', 'unrecognized token'],
      ['select #', '#', 'unrecognized token'],
      ['select !', '!', 'unrecognized token'],
      ['select :', ':', 'unrecognized token'],
    ];
    for (const [sql, text, reason] of cases) {
      const ts = tokenize(sql);
      expect(ts.at(-1)!, sql).toMatchObject({ type: 'illegal', text, value: reason });
      expect(ts.filter((t) => t.type === 'eof'), sql).toHaveLength(0);
    }
  });
});
