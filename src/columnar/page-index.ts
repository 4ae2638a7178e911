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
  return (await pageIndex(file, g, column)).starts;
}

/** The data pages of a column chunk: first rows as {@link pageStarts}, and each page's bytes. */
export interface PageIndex {
  readonly starts: number[];
  /** Byte offset and size of each data page (header included); null without an offset index. */
  readonly pages: { readonly offset: number; readonly size: number }[] | null;
}

/** {@link pageStarts} with where each page lies in the file. Throws as pageStarts. */
export async function pageIndex(file: OpenedParquet, g: number, column: string): Promise<PageIndex> {
  const rg = file.metadata.row_groups[g];
  const chunk = rg?.columns.find((c) => c.meta_data?.path_in_schema[0] === column);
  if (!rg || !chunk) throw new DoSQLError('INVALID_ARGUMENT', `columnar: ${file.source.name} has no column "${column}" in row group ${g}`);
  const offset = chunk.offset_index_offset === undefined ? 0 : Number(chunk.offset_index_offset);
  const length = chunk.offset_index_length ?? 0;
  if (!offset || !length) return { starts: [0], pages: null };
  const bytes = await file.source.slice(offset, offset + length);
  const rows = Number(rg.num_rows);
  let locs: { first_row_index: bigint; offset: bigint; compressed_page_size: number }[];
  try {
    locs = readOffsetIndex({ view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }).page_locations;
  } catch (e) {
    throw new DoSQLError('CORRUPTION', `columnar: unreadable offset index of "${column}" in row group ${g} of ${file.source.name} (byte ${offset})`, { cause: e, details: { file: file.source.name, offset } });
  }
  const starts = locs.map((p) => Number(p.first_row_index));
  const ok = starts.length > 0 && starts[0] === 0 && starts.every((s, i) => Number.isSafeInteger(s) && s < rows && (i === 0 || s > starts[i - 1]!));
  if (!ok) throw new DoSQLError('CORRUPTION', `columnar: the offset index of "${column}" in row group ${g} of ${file.source.name} (byte ${offset}) lists rows out of order`, { details: { file: file.source.name, offset } });
  // Pages must lie inside the chunk (they are read through its checked range).
  const m = chunk.meta_data!;
  const from = Number(m.dictionary_page_offset || m.data_page_offset);
  const to = from + Number(m.total_compressed_size);
  const pages = locs.map((p) => ({ offset: Number(p.offset), size: p.compressed_page_size }));
  if (!pages.every((p) => from <= p.offset && p.size > 0 && p.offset + p.size <= to)) {
    throw new DoSQLError('CORRUPTION', `columnar: the offset index of "${column}" in row group ${g} of ${file.source.name} (byte ${offset}) places a page outside its column chunk`, { details: { file: file.source.name, offset } });
  }
  return { starts, pages };
}
