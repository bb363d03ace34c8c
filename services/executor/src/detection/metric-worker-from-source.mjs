// Entry of a metric worker run from TypeScript sources (tests, benchmarks, `tsx`): the loader hooks of the main
// thread do not reach a worker's later dynamic imports, so the worker registers tsx itself, then loads the worker.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./metric-worker.ts');
export const { load, detect } = worker;
