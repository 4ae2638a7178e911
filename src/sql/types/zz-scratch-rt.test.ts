import { test, expect } from 'vitest';
import Database from 'better-sqlite3';
import { realToText } from './real-format.js';
test('realToText', () => {
  const db = new Database(':memory:');
  const st = db.prepare('select cast(? as text) as t');
  const f = new Float64Array(1); const u = new Uint32Array(f.buffer);
  let bad = 0; const N = 200000;
  const vals: number[] = [0.1, 0.2, 0.3, 1/3, 2/3, 1e20, 1.5e-7, 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, 123456789012345678, 0.30000000000000004, 1e15, 1e16, 1e17, 1e-5, 1e-4, 9.9, 99.99];
  for (let i = 0; i < N; i++) {
    const k = i % 4;
    if (k === 0) { u[0] = (Math.random() * 2 ** 32) >>> 0; u[1] = (Math.random() * 2 ** 32) >>> 0; if (!isFinite(f[0])) continue; vals.push(f[0]); }
    else if (k === 1) vals.push(Math.round(Math.random() * 1e6) / 1000);
    else if (k === 2) vals.push(Number((Math.random() * 1000).toPrecision(1 + (i % 17))) * 10 ** ((i % 40) - 20));
    else vals.push(Math.random() * 10 ** ((i % 600) - 300));
  }
  for (const v of vals) {
    const want = st.get(v) as { t: string };
    const got = realToText(v);
    if (want.t !== got) { if (bad++ < 20) console.log(v, want.t, got); }
  }
  console.log('bad', bad, 'of', vals.length);
  expect(bad).toBe(0);
});
