// Stands in for Node built-ins workerd lacks (node:worker_threads) when a test module that
// mentions them is bundled into the test Worker; the code paths that use them never run there.
export class Worker {
  constructor() {
    throw new Error('worker_threads is not available in workerd');
  }
}
export const isMainThread = true;
export const parentPort = null;
export const workerData = null;
export const threadId = 0;
