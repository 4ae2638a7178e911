// The examples of docs/cdc.md marked `cdc-example` run as written (imports of `dosql` and
// `dosql/cdc` pointed at src/) and print exactly the ```text block that follows each.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const DOC = resolve(__dirname, '..', 'docs', 'cdc.md');
const dir = resolve(__dirname, '.cdc-doc-examples');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const blocks = [...readFileSync(DOC, 'utf8').matchAll(/```ts cdc-example\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/g)].map((m) => ({ code: m[1]!, expected: m[2]! }));

describe('docs/cdc.md examples', () => {
  it('has examples', () => expect(blocks.length).toBeGreaterThan(0));
  blocks.forEach((b, i) => {
    it(`example ${i + 1} prints what the page shows`, async () => {
      mkdirSync(dir, { recursive: true });
      const lines = b.code.split('\n');
      const imports = lines.filter((l) => l.startsWith('import ')).map((l) => l.replace("'dosql/cdc'", "'../../src/cdc/index.js'").replace("'dosql'", "'../../src/index.js'"));
      const body = lines.filter((l) => !l.startsWith('import ')).join('\n');
      const file = join(dir, `example-${i + 1}.ts`);
      writeFileSync(file, `${imports.join('\n')}\nexport default async function (console: { log: (...a: unknown[]) => void }): Promise<void> {\n${body}\n}\n`);
      const out: string[] = [];
      const mod = (await import(file)) as { default: (c: { log: (...a: unknown[]) => void }) => Promise<void> };
      await mod.default({ log: (...a: unknown[]) => out.push(a.map(String).join(' ')) });
      expect(out.join('\n') + '\n').toBe(b.expected);
    });
  });
});
