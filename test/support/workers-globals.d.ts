// The Workers platform types examples/worker uses, declared as @cloudflare/workers-types
// declares them (the subset the template touches), so the root tsconfig type-checks the
// template without that package; a user's project installs it instead.
import type { DoSqlStorage } from '../../src/storage/do-store.js';
import type { R2BucketLike } from '../../src/storage/r2-store.js';

declare global {
  interface DurableObjectId {
    toString(): string;
  }
  interface DurableObjectStub {
    fetch(request: Request): Promise<Response>;
  }
  interface DurableObjectNamespace {
    idFromName(name: string): DurableObjectId;
    get(id: DurableObjectId): DurableObjectStub;
  }
  interface DurableObjectState {
    readonly id: DurableObjectId;
    readonly storage: DoSqlStorage;
  }
  interface R2Bucket extends R2BucketLike {}
}
