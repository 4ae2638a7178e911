// Splits SQL text into statements at the semicolons that end them, the way sqlite3's
// `sqlite3_complete()` decides a statement is complete: semicolons inside quotes ('text',
// "ident", `ident`, [ident]), comments (-- and /* */) do not count, and inside
// CREATE TRIGGER ... BEGIN ... END only the semicolon after END does. A dollar-quoted
// $$...$$ string (the body of CREATE PROCEDURE ... AS MODULE, docs/procedures.md) is a quote too.
//
// The shell uses it to know when a multi-line entry is complete; `dosql sql` to run a
// script statement by statement and print each result.

export interface SplitResult {
  /** Complete statements, trimmed, without their semicolons. */
  readonly statements: string[];
  /** Text after the last complete statement (trimmed; '' when none). */
  readonly rest: string;
}

const isWordChar = (c: string): boolean => /[A-Za-z0-9_$]/.test(c);

/**
 * Cuts `text` into complete statements and the unfinished rest. Empty statements (`;;`) and
 * statements holding only comments are dropped.
 */
export function splitSql(text: string): SplitResult {
  const statements: string[] = [];
  let start = 0;
  /** Words of the current statement (up to the first few, plus trigger bookkeeping). */
  let words: string[] = [];
  let lastWord = '';
  let inTrigger = false;
  let substantive = false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    if (c === '$' && text[i + 1] === '$' && (i === 0 || !isWordChar(text[i - 1]!))) {
      const k = text.indexOf('$$', i + 2);
      i = k < 0 ? n : k + 2;
      substantive = true;
      lastWord = '';
      continue;
    }
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let j = i + 1;
      for (;;) {
        const k = text.indexOf(close, j);
        if (k < 0) {
          j = n;
          break;
        }
        // A doubled quote is an escaped quote (not for [ident]).
        if (close !== ']' && text[k + 1] === close) {
          j = k + 2;
          continue;
        }
        j = k + 1;
        break;
      }
      substantive = true;
      lastWord = '';
      i = j;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      const k = text.indexOf('\n', i);
      i = k < 0 ? n : k + 1;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const k = text.indexOf('*/', i + 2);
      i = k < 0 ? n : k + 2;
      continue;
    }
    if (isWordChar(c)) {
      let j = i + 1;
      while (j < n && isWordChar(text[j]!)) j++;
      const w = text.slice(i, j).toUpperCase();
      if (words.length < 4) {
        words.push(w);
        // CREATE [TEMP|TEMPORARY] TRIGGER
        if (w === 'TRIGGER' && words[0] === 'CREATE' && (words.length === 2 || (words.length === 3 && (words[1] === 'TEMP' || words[1] === 'TEMPORARY')))) inTrigger = true;
      }
      lastWord = w;
      substantive = true;
      i = j;
      continue;
    }
    if (c === ';') {
      if (!inTrigger || lastWord === 'END') {
        const stmt = text.slice(start, i).trim();
        if (substantive && stmt) statements.push(stmt);
        start = i + 1;
        words = [];
        inTrigger = false;
        substantive = false;
      }
      lastWord = '';
      i++;
      continue;
    }
    if (!/\s/.test(c)) {
      lastWord = '';
      substantive = true;
    }
    i++;
  }
  return { statements, rest: substantive ? text.slice(start).trim() : '' };
}
