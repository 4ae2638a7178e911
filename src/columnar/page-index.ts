// The data pages of a column chunk, from its offset index (Parquet's page index, which our
// writer emits with page-level statistics): where each page's rows start, so a reader can
// decode only the page that holds a row (parquet-reader.ts `readRowGroupRange`).
import { readOffsetIndex } from 'hyparquet';
import { DoSQLError } from '../errors.js';
import type { OpenedParquet } from './parquet-reader.js';

/**
 * First row (within row group `g`) of each data page of `column`'s chunk, ascending and
 * starting at 0; `[0]` (one page span: the whole chunk) when the chunk has no offset index.
 * One ranged read of the offset index through the file's source (verified like any read).
 * Throws `INVALID_ARGUMENT` for an unknown row group or column, `CORRUPTION` for an offset
 * index that does not parse or whose rows are not ascending within the group.
 */
export async function pageStarts(file: OpenedParquet, g: number, column: string): Promise<number[]> {
  const rg = file.metadata.row_groups[g];
  const chunk = rg?.columns.find((c) => c.meta_data?.path_in_schema[0] === column);
  if (!rg || !chunk) throw new DoSQLError('INVALID_ARGUMENT', `columnar: ${file.source.name} has no column "${column}" in row group ${g}`);
  const offset = chunk.offset_index_offset === undefined ? 0 : Number(chunk.offset_index_offset);
  const length = chunk.offset_index_length ?? 0;
  if (!offset || !length) return [0];
  const bytes = await file.source.slice(offset, offset + length);
  const rows = Number(rg.num_rows);
  let starts: number[];
  try {
    starts = readOffsetIndex({ view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }).page_locations.map((p) => Number(p.first_row_index));
  } catch (e) {
    throw new DoSQLError('CORRUPTION', `columnar: unreadable offset index of "${column}" in row group ${g} of ${file.source.name} (byte ${offset})`, { cause: e, details: { file: file.source.name, offset } });
  }
  const ok = starts.length > 0 && starts[0] === 0 && starts.every((s, i) => Number.isSafeInteger(s) && s < rows && (i === 0 || s > starts[i - 1]!));
  if (!ok) throw new DoSQLError('CORRUPTION', `columnar: the offset index of "${column}" in row group ${g} of ${file.source.name} (byte ${offset}) lists rows out of order`, { details: { file: file.source.name, offset } });
  return starts;
}
