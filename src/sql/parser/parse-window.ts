// Window specifications: `OVER (...)`, `OVER name`, and the bodies of the WINDOW clause.
// Grammar: https://sqlite.org/syntax/window-defn.html, https://sqlite.org/syntax/frame-spec.html,
// semantics: https://sqlite.org/windowfunctions.html.
import type { Expr, FrameBound, NamedWindow, OrderingTerm, WindowFrame, WindowSpec } from './ast.js';
import { parseExprList, parseOrderingTerms } from './parse-common.js';
import { parseExpr } from './parse-expr.js';
import type { Parser } from './parser-base.js';

/** After OVER: `( window-spec )` or a window name. */
export function parseOver(p: Parser): WindowSpec | string {
  if (!p.eatOp('(')) return p.parseNm();
  const spec = parseWindowSpec(p);
  p.expectOp(')');
  return spec;
}

/** `WINDOW name AS (spec), ...` after the WINDOW keyword. */
export function parseWindowDefinitions(p: Parser): NamedWindow[] {
  const list: NamedWindow[] = [];
  do {
    const name = p.parseNm();
    p.expectKw('AS');
    p.expectOp('(');
    list.push({ name, spec: parseWindowSpec(p) });
    p.expectOp(')');
  } while (p.eatOp(','));
  return list;
}

const SPEC_KEYWORDS: ReadonlySet<string> = new Set(['PARTITION', 'ORDER', 'RANGE', 'ROWS', 'GROUPS']);

/** The inside of the parentheses: `[base] [PARTITION BY ...] [ORDER BY ...] [frame]`. */
export function parseWindowSpec(p: Parser): WindowSpec {
  let base: string | undefined;
  const t = p.tok;
  if (p.isNm() && !(t.type === 'word' && SPEC_KEYWORDS.has(t.value))) base = p.parseNm();
  let partitionBy: Expr[] = [];
  let orderBy: OrderingTerm[] = [];
  if (p.eatKw('PARTITION')) {
    p.expectKw('BY');
    partitionBy = parseExprList(p);
  }
  if (p.eatKw('ORDER')) {
    p.expectKw('BY');
    orderBy = parseOrderingTerms(p);
  }
  const frame = parseFrame(p);
  const spec: WindowSpec = base === undefined ? { partitionBy, orderBy } : { base, partitionBy, orderBy };
  return frame ? { ...spec, frame } : spec;
}

function parseFrame(p: Parser): WindowFrame | undefined {
  const t = p.tok;
  if (!(t.type === 'word' && (t.value === 'RANGE' || t.value === 'ROWS' || t.value === 'GROUPS'))) return undefined;
  p.next();
  const units = t.value as WindowFrame['units'];
  let frame: WindowFrame;
  if (p.eatKw('BETWEEN')) {
    const start = parseBound(p, true);
    p.expectKw('AND');
    frame = { units, start, end: parseBound(p, false) };
  } else {
    frame = { units, start: parseBound(p, true) };
  }
  if (p.eatKw('EXCLUDE')) {
    let exclude: WindowFrame['exclude'];
    if (p.eatKw('NO')) {
      p.expectKw('OTHERS');
      exclude = 'NO OTHERS';
    } else if (p.eatKw('CURRENT')) {
      p.expectKw('ROW');
      exclude = 'CURRENT ROW';
    } else if (p.eatKw('GROUP')) {
      exclude = 'GROUP';
    } else {
      p.expectKw('TIES');
      exclude = 'TIES';
    }
    frame = { ...frame, exclude };
  }
  return frame;
}

/** A frame bound. UNBOUNDED PRECEDING may only start a frame and UNBOUNDED FOLLOWING only end one. */
function parseBound(p: Parser, isStart: boolean): FrameBound {
  if (p.eatKw('UNBOUNDED')) {
    p.expectKw(isStart ? 'PRECEDING' : 'FOLLOWING');
    return { kind: isStart ? 'unboundedPreceding' : 'unboundedFollowing' };
  }
  if (p.eatKw('CURRENT')) {
    p.expectKw('ROW');
    return { kind: 'currentRow' };
  }
  const offset = parseExpr(p);
  if (p.eatKw('PRECEDING')) return { kind: 'preceding', offset };
  p.expectKw('FOLLOWING');
  return { kind: 'following', offset };
}
