// R2ObjectStore specifics beyond the conformance suite (object-store.test.ts runs that against
// miniflare's R2): multipart uploads of large unconditional puts, and the key prefix.
import { afterAll, describe, expect, it } from 'vitest';
import { R2ObjectStore, type R2BucketLike } from './r2-store.js';
import { disposeWorkerStores, r2Bucket } from '../../test/support/worker-store-factories.js';

afterAll(disposeWorkerStores);

describe('R2ObjectStore', () => {
  it('uploads large unconditional puts in parts and reads them back whole and by range', async () => {
    const bucket = await r2Bucket();
    const store = new R2ObjectStore(bucket, { prefix: 'multipart/', multipartThresholdBytes: 6 * 1024 * 1024, partBytes: 5 * 1024 * 1024 });
    const big = new Uint8Array(12 * 1024 * 1024 + 17).map((_, i) => (i * 7 + (i >> 11)) & 0xff);
    const put = await store.put('cold/big.parquet', big);
    // R2 marks multipart etags with the part count.
    expect(put.etag).toMatch(/-3$/);
    const got = await store.get('cold/big.parquet');
    expect(got!.size).toBe(big.length);
    expect(Buffer.from(got!.data).equals(Buffer.from(big))).toBe(true);
    const r = await store.get('cold/big.parquet', { range: { offset: 5 * 1024 * 1024 - 3, length: 10 } });
    expect(Array.from(r!.data)).toEqual(Array.from(big.subarray(5 * 1024 * 1024 - 3, 5 * 1024 * 1024 + 7)));
    expect((await store.head('cold/big.parquet'))!.etag).toBe(put.etag);
    expect((await bucket.list({ prefix: 'multipart/' })).objects.map((o) => o.key)).toEqual(['multipart/cold/big.parquet']);
    await store.delete('cold/big.parquet');
    expect((await bucket.list({ prefix: 'multipart/' })).objects).toEqual([]);
  });

  it('refuses prefixes that are not folders', () => {
    const bucket = {} as R2BucketLike;
    expect(() => new R2ObjectStore(bucket, { prefix: 'no-slash' })).toThrow();
    expect(() => new R2ObjectStore(bucket, { prefix: '/abs/' })).toThrow();
  });
});
