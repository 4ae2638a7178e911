// json_group_array(X) and json_group_object(NAME, VALUE) (https://sqlite.org/json1.html#jgrouparray),
// plus their jsonb_ forms: the group's values appended as JSON text in step order, NULLs
// included (as null), the result carrying the JSON subtype. They also run as window
// functions: `inverse` drops the oldest element, as jsonGroupInverse does.
import { checkLength, DEFAULT_MAX_LENGTH } from '../../types/length-limit.js';
import { JSON_SUBTYPE, plain, type MaybeSubtyped } from '../../types/subtype.js';
import { toText } from '../../types/convert.js';
import { utf8ByteLength } from '../../types/utf8.js';
import type { SqlValue } from '../../types/value.js';
import type { Accumulator, AggregateFunction } from '../function-types.js';
import { parseJsonText } from './json-parse.js';
import { JsonOut, malformedJson, quoteString } from './json-render.js';
import { appendValue } from './json-values.js';
import { encodeJsonb } from './jsonb-codec.js';

class GroupAccumulator implements Accumulator {
  /** Rendered elements (`value` or `"name":value`), oldest first from `first`. */
  private readonly items: string[] = [];
  private first = 0;
  private bytes = 0;

  constructor(
    private readonly object: boolean,
    private readonly blob: boolean,
    private readonly max: number,
  ) {}

  step(args: readonly SqlValue[]): void {
    this.stepSubtyped(args);
  }

  stepSubtyped(args: readonly MaybeSubtyped[]): void {
    const out = new JsonOut(this.max);
    if (this.object) {
      const name = plain(args[0]!);
      if (name === null) return;
      let key = toText(name)!;
      const nul = key.indexOf('\0');
      if (nul >= 0) key = key.slice(0, nul);
      out.push(quoteString(key));
      out.push(':');
      appendValue(out, args[1]!);
    } else appendValue(out, args[0]!);
    const item = out.text();
    this.bytes += utf8ByteLength(item) + 1;
    checkLength(this.bytes + 1, this.max, this.object ? 'json_group_object' : 'json_group_array');
    this.items.push(item);
  }

  inverse(): void {
    if (this.first < this.items.length) {
      this.bytes -= utf8ByteLength(this.items[this.first]!) + 1;
      this.items[this.first++] = '';
    }
    if (this.first > 64 && this.first * 2 > this.items.length) {
      this.items.splice(0, this.first);
      this.first = 0;
    }
  }

  result(): SqlValue {
    const body = this.items.slice(this.first).join(',');
    const text = this.object ? `{${body}}` : `[${body}]`;
    if (!this.blob) return text;
    const r = parseJsonText(text);
    if (r.node === undefined) throw malformedJson();
    return encodeJsonb(r.node);
  }
}

function group(name: string, object: boolean, blob: boolean): AggregateFunction {
  const n = object ? 2 : 1;
  return {
    name,
    minArgs: n,
    maxArgs: n,
    invertible: true,
    readsSubtypes: true,
    ...(blob ? {} : { resultSubtype: JSON_SUBTYPE }),
    create: (_c, maxLength) => new GroupAccumulator(object, blob, maxLength ?? DEFAULT_MAX_LENGTH),
  };
}

export const JSON_AGGREGATES: readonly AggregateFunction[] = [
  group('json_group_array', false, false),
  group('jsonb_group_array', false, true),
  group('json_group_object', true, false),
  group('jsonb_group_object', true, true),
];
