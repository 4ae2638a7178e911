// RAISE(IGNORE | ROLLBACK | ABORT | FAIL, message) (https://sqlite.org/lang_createtrigger.html#the_raise_function):
// only inside a trigger (its WHEN or its statements); evaluating it throws, which the row loop
// of the statement that fired the trigger handles (execution/triggers.ts).
import { DoSQLError } from '../../errors.js';
import type { Compiled } from '../execution/compiled.js';
import { raiseError, RaiseIgnore } from '../execution/triggers.js';
import type { RaiseExpr } from '../parser/ast.js';
import { toText } from '../types/convert.js';
import { literal, merge } from './compile-common.js';
import { compileExpr, type CompileContext } from './compile-expr.js';

export function compileRaise(e: RaiseExpr, cx: CompileContext): Compiled {
  let root = cx.scope;
  while (root.parent) root = root.parent;
  if (!root.trigger) throw new DoSQLError('SQL_ERROR', 'sql: RAISE() may only be used within a trigger-program');
  if (e.action === 'IGNORE') {
    return { ...literal(null), constant: false, ev: () => {
      throw new RaiseIgnore();
    } };
  }
  const msg = e.message ? compileExpr(e.message, cx) : literal('');
  const action = e.action;
  return merge([msg], (row, env) => {
    throw raiseError(action, toText(msg.ev(row, env)) ?? '');
  }, { constant: false });
}
