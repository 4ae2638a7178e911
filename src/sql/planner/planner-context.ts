// State shared while planning one statement: the catalog, visible CTEs, subquery slots.
import type { Catalog } from '../catalog/catalog.js';
import type { Row } from '../execution/env.js';
import type { SelectStmt } from '../parser/ast.js';

export interface CteDef {
  readonly name: string;
  readonly columns?: readonly string[];
  readonly select: SelectStmt;
  /** While planning the recursive part, references read this working table. */
  working?: { rows: Row[]; columns: readonly string[] };
  /** WITH RECURSIVE: the CTE may refer to itself. */
  readonly recursive?: boolean;
  /** Set while the CTE's own body is being planned. */
  inProgress?: boolean;
}

export class PlannerContext {
  private slots = 0;
  private cteStack: Map<string, CteDef>[] = [];
  /** Views being expanded (guards against a view referring to itself). */
  readonly viewStack: string[] = [];

  constructor(readonly catalog: Catalog) {}

  nextSlot(): number {
    return this.slots++;
  }

  pushCtes(defs: Map<string, CteDef>): void {
    this.cteStack.push(defs);
  }

  popCtes(): void {
    this.cteStack.pop();
  }

  findCte(name: string): CteDef | undefined {
    const n = name.toLowerCase();
    for (let i = this.cteStack.length - 1; i >= 0; i--) {
      const d = this.cteStack[i]!.get(n);
      if (d) return d;
    }
    return undefined;
  }

  /** Runs `f` with the CTE stack cut back to what was visible where a CTE was defined. */
  withCteDepth<T>(depth: number, f: () => T): T {
    const saved = this.cteStack;
    this.cteStack = saved.slice(0, depth);
    try {
      return f();
    } finally {
      this.cteStack = saved;
    }
  }

  get cteDepth(): number {
    return this.cteStack.length;
  }
}
