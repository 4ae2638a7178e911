// Random calls of every json1 scalar function (https://sqlite.org/json1.html) on one document
// operand: the document as text, as JSONB, or nested in another JSON function's result;
// with paths from json-gen.ts and values that must be quoted or nested.
import { genArrowOperand, genJsonDoc, genJsonPath, genJsonSqlValue, sqlText, type JsonDoc } from './json-gen.js';
import type { Rng } from './random.js';

/** How the document reaches the function: a SQL expression over `sqlDoc` (its text as a literal or column). */
function docOperand(r: Rng, sqlDoc: string): string {
  return r.weighted<() => string>([
    [8, () => sqlDoc],
    [1, () => `jsonb(${sqlDoc})`],
    [1, () => `json(${sqlDoc})`],
    [1, () => `CAST(${sqlDoc} AS BLOB)`],
  ])();
}

function paths(r: Rng, doc: JsonDoc, n: number): string {
  return Array.from({ length: n }, () => sqlText(genJsonPath(r, doc))).join(', ');
}

function pathValues(r: Rng, doc: JsonDoc, n: number): string {
  return Array.from({ length: n }, () => `${sqlText(genJsonPath(r, doc))}, ${genJsonSqlValue(r)}`).join(', ');
}

/**
 * One json1 call on document `doc` (whose SQL text is `sqlDoc`): a scalar function, an arrow
 * operator, or one of them wrapped in another JSON function so its subtype decides nesting.
 */
export function genJsonCall(r: Rng, doc: JsonDoc, sqlDoc: string): string {
  const d = (): string => docOperand(r, sqlDoc);
  const call = r.weighted<() => string>([
    [2, () => `json(${d()})`],
    [1, () => `hex(jsonb(${d()}))`],
    [2, () => `json_valid(${d()}${r.chance(0.5) ? `, ${r.pick([1, 2, 3, 4, 5, 6, 8, 12, 15, 0, 16, -1])}` : ''})`],
    [2, () => `json_type(${d()}${r.chance(0.7) ? `, ${paths(r, doc, 1)}` : ''})`],
    [4, () => `json_extract(${d()}, ${paths(r, doc, r.weighted([[5, 1], [2, 2], [1, 3]] as const))})`],
    [1, () => `json_extract(${d()})`],
    [1, () => `hex(jsonb_extract(${d()}, ${paths(r, doc, r.int(1, 2))}))`],
    [4, () => `(${d()} -> ${genArrowOperand(r, doc)})`],
    [4, () => `(${d()} ->> ${genArrowOperand(r, doc)})`],
    [2, () => `json_array_length(${d()}${r.chance(0.6) ? `, ${paths(r, doc, 1)}` : ''})`],
    [2, () => `json_error_position(${d()})`],
    [2, () => `json_insert(${d()}, ${pathValues(r, doc, r.int(1, 2))})`],
    [2, () => `json_replace(${d()}, ${pathValues(r, doc, r.int(1, 2))})`],
    [3, () => `json_set(${d()}, ${pathValues(r, doc, r.int(1, 3))})`],
    [1, () => `json_set(${d()}, ${sqlText(genJsonPath(r, doc))})`],
    [1, () => `hex(jsonb_set(${d()}, ${pathValues(r, doc, 1)}))`],
    [1, () => `json_array_insert(${d()}, ${pathValues(r, doc, r.int(1, 2))})`],
    [2, () => `json_remove(${d()}${r.chance(0.9) ? `, ${paths(r, doc, r.int(1, 3))}` : ''})`],
    [2, () => `json_patch(${d()}, ${sqlText(genJsonDoc(r, r.chance(0.9) ? 'strict' : 'broken').text)})`],
    [1, () => `json_patch(${sqlText(genJsonDoc(r, 'strict').text)}, ${d()})`],
    [1, () => `json_pretty(${d()}${r.chance(0.3) ? `, ${r.pick(["'  '", "'\t'", "''", 'NULL', "'--'"])}` : ''})`],
    [1, () => `json_quote(${d()})`],
    [1, () => `json_quote(${genJsonSqlValue(r)})`],
    [2, () => `json_array(${d()}, ${genJsonSqlValue(r)})`],
    [2, () => `json_object(${sqlText(r.pick(['a', 'b', '']))}, ${d()}, 'v', ${genJsonSqlValue(r)})`],
    [1, () => `json_object(${r.pick(['1', 'NULL', "X'61'", "'a', 1, 'b'"])}, 2)`],
    [1, () => `json_array(${d()} -> ${genArrowOperand(r, doc)}, ${d()} ->> ${genArrowOperand(r, doc)})`],
    [1, () => `json_set('{}', '$.x', ${d()} -> ${genArrowOperand(r, doc)})`],
    [1, () => `json_array(json_extract(${d()}, ${paths(r, doc, 1)}), json_extract(${d()}, ${paths(r, doc, 2)}))`],
    [1, () => `json_array(CASE WHEN ${r.pick(['1', '0', 'NULL'])} THEN json(${d()}) ELSE ${genJsonSqlValue(r)} END, coalesce(NULL, json(${d()})), nullif(json(${d()}), 'x'))`],
    [1, () => `typeof(${d()} ->> ${genArrowOperand(r, doc)})`],
    [1, () => `json_type(${d()} -> ${genArrowOperand(r, doc)})`],
  ])();
  return call;
}
