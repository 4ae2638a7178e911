// The benchmark report's SVG charts (well-formed XML, labels and values present, escaping)
// and the report itself, written from fixture result files into a temporary folder.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ratioChartSvg, xmlEscape } from '../bench/charts.js';
import { main as report } from '../bench/report.js';

const dir = mkdtempSync(join(tmpdir(), 'dosql-cli-charts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Checks XML well-formedness the way a parser would for this subset: one root, every tag
 * closed in order, attributes quoted, no bare '&' or '<' in text.
 */
function checkWellFormed(xml: string): void {
  const stack: string[] = [];
  let roots = 0;
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    if (m[6]) throw new Error(`stray '<' at ${m.index}: ${xml.slice(m.index, m.index + 30)}`);
    if (m[5] !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(m[5])) throw new Error(`bare '&' in ${m[5]}`);
      if (stack.length === 0 && m[5].trim()) throw new Error(`text outside the root: ${m[5]}`);
      continue;
    }
    const [, close, name, attrs, selfClose] = m;
    if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(attrs!)) throw new Error(`bare '&' in attributes of ${name}`);
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      if (stack.length === 0) roots++;
      if (!selfClose) stack.push(name!);
    }
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(', ')}`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
}

describe('ratio charts', () => {
  it('draws a well-formed SVG with every label and value, escaping text', () => {
    const svg = ratioChartSvg({
      title: 'A & B <test>',
      subtitle: 'ratios "quoted"',
      bars: [
        { label: 'fillseq vs leveldb', value: 1.05 },
        { label: 'Q1 vs duckdb', value: 0.0047 },
        { label: 'readrandom vs <lmdb> & co', value: 9.35 },
        { label: 'missing', value: NaN },
      ],
      below: 'dosql behind',
      above: 'dosql ahead',
    });
    checkWellFormed(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const s of ['fillseq vs leveldb', 'Q1 vs duckdb', 'readrandom vs &lt;lmdb&gt; &amp; co', 'A &amp; B &lt;test&gt;', '1.05x', '0.0047x', '9.35x', 'n/a', 'dosql behind', 'dosql ahead']) {
      expect(svg).toContain(s);
    }
    // Three drawn bars (the n/a row has none), plus the background rectangle.
    expect(svg.match(/<rect /g)).toHaveLength(4);
    expect(xmlEscape(`<'&">`)).toBe('&lt;&apos;&amp;&quot;&gt;');
  });

  it('puts bars above 1 to the right of the parity line and below 1 to its left', () => {
    const svg = ratioChartSvg({ title: 't', bars: [{ label: 'up', value: 10 }, { label: 'down', value: 0.1 }] });
    const parity = Number(/<line x1="([\d.]+)" y1="\d+" x2="\1"[^>]*stroke="#333"/.exec(svg)![1]);
    const rects = [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*fill="(#[0-9a-f]+)"/g)].filter((m) => m[3] !== '#ffffff');
    expect(rects).toHaveLength(2);
    const [up, down] = rects.map((m) => ({ x: Number(m[1]), w: Number(m[2]), color: m[3] }));
    expect(up!.x).toBeCloseTo(parity, 0);
    expect(down!.x + down!.w).toBeCloseTo(parity, 0);
    expect(up!.color).not.toBe(down!.color);
  });
});

describe('benchmark report', () => {
  it('writes RESULTS.md with the flights steps and ratios, and the charts it links', async () => {
    const out = join(dir, 'out');
    mkdirSync(out);
    const machine = { cpu: 'Test CPU', cores: 2, memoryGiB: 8, os: 'Linux', node: 'v20', disk: '/dev/x 1G', date: '2026-01-01T00:00:00.000Z' };
    const steps = ['load', 'Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'point lookups x10000'];
    const rows = [];
    for (const [engine, k] of [
      ['dosql', 10],
      ['dosql-cold', 2],
      ['sqlite', 4],
      ['duckdb', 1],
    ] as const) {
      for (const step of steps) {
        if (engine === 'dosql-cold' && step.startsWith('point')) continue;
        rows.push({ engine, step, ms: k * (steps.indexOf(step) + 1), answer: step === 'load' ? '' : `[[${step.length}]]` });
      }
    }
    writeFileSync(join(out, 'flights.json'), JSON.stringify({ machine, flights: 3000, rows }));
    writeFileSync(
      join(out, 'kv.json'),
      JSON.stringify(['dosql', 'leveldb'].flatMap((engine, e) => ['fillseq', 'readrandom', 'compact'].map((workload) => ({ engine, workload, ops_per_sec: 1000 * (e + 1), mb_per_sec: 1, bytes_on_disk: 1, space_amp: 1 })))),
    );
    writeFileSync(join(out, 'sql.json'), JSON.stringify({ machine, rows: [{ engine: 'dosql', workload: 'insert', ops_per_sec: 50 }, { engine: 'sqlite', workload: 'insert', ops_per_sec: 100 }] }));
    writeFileSync(join(out, 'runs.json'), JSON.stringify({ flights: { args: ['--rows', '3000'], started: machine.date, seconds: 12 } }));
    const resultsPath = join(dir, 'RESULTS.md');
    const written = await report({ inDir: out, resultsPath, chartsDir: join(dir, 'charts') });
    expect(written[0]).toBe(resultsPath);
    const md = readFileSync(resultsPath, 'utf8');
    expect(md).toContain('Machine: Test CPU, 2 cores');
    expect(md).toContain('`npm run bench -- flights --rows 3000`');
    for (const s of steps) expect(md).toContain(`| ${s} |`);
    // Q5: dosql 60 ms, dosql-cold 12, sqlite 24, duckdb 6 -> sqlite / hot 0.40, duckdb / hot 0.10, sqlite / cold 2.00, duckdb / cold 0.50.
    expect(md).toContain('| Q5 | 60.0 | 12.0 | 24.0 | 6.0 | 0.40 | 0.10 | 2.00 | 0.50 | yes |');
    expect(md).toContain('| fillseq | 1,000 | 2,000 | 0.50 |');
    expect(md).toContain('| insert | 50 | 100 | 0.50 |');
    for (const chart of ['charts/flights-hot.svg', 'charts/flights-cold.svg', 'charts/kv.svg', 'charts/sql.svg']) {
      expect(md).toContain(`](${chart})`);
      const svg = readFileSync(join(dir, chart), 'utf8');
      checkWellFormed(svg);
    }
    expect(readFileSync(join(dir, 'charts/flights-cold.svg'), 'utf8')).toContain('Q5 vs sqlite');
    expect(readFileSync(join(dir, 'charts/flights-cold.svg'), 'utf8')).not.toContain('load vs');
    expect(existsSync(join(dir, 'charts/compaction.svg'))).toBe(false);
  });
});
