// The positions object (docs/format/lake.md): round trip, CRC-32C checked against the snapshot
// summary's value, version checked; and the UUIDv7 names cleanup reads ages from.
import { describe, expect, it } from 'vitest';
import { crc32c } from '../util/crc32c.js';
import { uuid7, uuid7Time } from '../util/uuid7.js';
import { decodePositions, encodePositions } from './positions.js';

describe('positions object', () => {
  it('round trips; a flipped byte or a wrong CRC is CORRUPTION naming the object; a newer version is refused', () => {
    const p = { table: 'default.orders', sources: { a: { lsn: 42, ts: 1_700_000_000_000 }, 'shard-2': { lsn: 7, ts: 1 } }, columns: { a: { id: 5, item: 6 } } };
    const { bytes, crc } = encodePositions(p);
    expect(decodePositions(bytes, crc, 'f')).toEqual(p);
    const bad = bytes.slice();
    bad[20] ^= 1;
    expect(() => decodePositions(bad, crc, 'metadata/x-positions.json')).toThrow(expect.objectContaining({ code: 'CORRUPTION', message: expect.stringContaining('metadata/x-positions.json') }));
    expect(() => decodePositions(bytes, crc ^ 1, 'f')).toThrow(expect.objectContaining({ code: 'CORRUPTION' }));
    const v2 = new TextEncoder().encode(new TextDecoder().decode(bytes).replace('"version":1', '"version":2'));
    expect(() => decodePositions(v2, crc32c(v2), 'f')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_FORMAT_VERSION' }));
  });

  it('UUIDv7: the timestamp comes back, names sort by time, anything else is not one', () => {
    const t = 1_700_000_123_456;
    const a = uuid7(t);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuid7Time(a)).toBe(t);
    expect(uuid7(t) < uuid7(t + 1)).toBe(true);
    expect(uuid7Time(crypto.randomUUID())).toBeNull(); // a v4
    expect(() => uuid7(-1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
