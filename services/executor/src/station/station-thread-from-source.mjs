// Entry of a station thread run from TypeScript sources (tests, benchmarks, `tsx`): the worker registers tsx
// itself (the main thread's loader hooks do not reach it), then loads the thread's module.
import { register } from 'tsx/esm/api';

register();
await import('./station-thread.ts');
