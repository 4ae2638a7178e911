// SQLite's keyword classes (https://sqlite.org/lang_keywords.html and the `%fallback ID`
// list of SQLite's grammar). All sets hold upper-case spellings.
//
// SQLite's LALR parser lets a keyword act as an identifier whenever the keyword cannot be
// shifted at that point ("fallback"). A hand-written parser approximates that rule as:
// reserved keywords are never names; fallback keywords are names unless the parser is at a
// spot where the keyword has a meaning (checked explicitly at each such spot).
//
// FILTER, OVER and WINDOW are not in KEYWORDS: SQLite's tokenizer decides from the
// surrounding tokens whether they are keywords, and so does this parser, where they occur.

/** Every word SQLite's tokenizer treats as a keyword (minus FILTER, OVER, WINDOW). */
export const KEYWORDS: ReadonlySet<string> = new Set(
  (
    'ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN ' +
    'BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS ' +
    'CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED ' +
    'DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS ' +
    'EXPLAIN FAIL FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS HAVING IF ' +
    'IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS ISNULL ' +
    'JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL NULLS ' +
    'OF OFFSET ON OR ORDER OTHERS OUTER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE ' +
    'RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ' +
    'ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION ' +
    'TRIGGER UNBOUNDED UNION UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WITH WITHOUT'
  ).split(' '),
);

/** Keywords that fall back to identifiers where they have no keyword meaning (`%fallback ID`). */
export const FALLBACK: ReadonlySet<string> = new Set(
  (
    'ABORT ACTION AFTER ANALYZE ASC ATTACH BEFORE BEGIN BY CASCADE CAST COLUMN CONFLICT DATABASE ' +
    'DEFERRED DESC DETACH DO EACH END EXCLUSIVE EXPLAIN FAIL FOR IGNORE IMMEDIATE INITIALLY ' +
    'INSTEAD LIKE GLOB REGEXP MATCH NO PLAN QUERY KEY OF OFFSET PRAGMA RAISE RECURSIVE RELEASE ' +
    'REPLACE RESTRICT ROW ROWS ROLLBACK SAVEPOINT TEMP TEMPORARY TRIGGER VACUUM VIEW VIRTUAL ' +
    'WITH WITHOUT NULLS FIRST LAST CURRENT FOLLOWING PARTITION PRECEDING RANGE UNBOUNDED EXCLUDE ' +
    'GROUPS OTHERS TIES GENERATED ALWAYS MATERIALIZED REINDEX RENAME CURRENT_TIME CURRENT_DATE ' +
    'CURRENT_TIMESTAMP IF'
  ).split(' '),
);

/** JOIN_KW: may name a table or column (`nm`) but is never an implicit alias. */
export const JOIN_KEYWORDS: ReadonlySet<string> = new Set(['NATURAL', 'LEFT', 'RIGHT', 'FULL', 'OUTER', 'CROSS', 'INNER']);

/** CURRENT_TIME / CURRENT_DATE / CURRENT_TIMESTAMP: zero-argument function calls in expressions. */
export const TIME_KEYWORDS: ReadonlySet<string> = new Set(['CURRENT_TIME', 'CURRENT_DATE', 'CURRENT_TIMESTAMP']);
