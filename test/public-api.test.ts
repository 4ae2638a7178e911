// The public API is exactly what src/index.ts exports: this list changes only on purpose.
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public API', () => {
  it('exports exactly the documented names', () => {
    expect(Object.keys(api).sort()).toEqual(
      ['DB', 'Database', 'Statement', 'TransactionHandle', 'branch', 'createTimeTravelSession', 'lsn', 'relative', 'repair', 'snapshot', 'timestamp', 'DoSQLError', 'FaultInjectingStore', 'FsObjectStore', 'InjectedFault', 'KvEntry', 'LsmEngine', 'ManualClock', 'MemoryObjectStore', 'ReadView', 'Transaction', 'WriteBatch'].sort(),
    );
  });
});
