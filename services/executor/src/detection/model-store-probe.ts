import type { ModelStore } from '@outliers/model-store';
import type { Config } from '../config.js';

/** Whether the model store can be read: why not, or undefined when it can (GET /ready). */
export type ModelStoreProbe = () => Promise<string | undefined>;

/** How long one check may take: a store that answers slower is as good as unreachable to a request. */
const PROBE_TIMEOUT_MS = 2000;

/**
 * The readiness check of the model store: one listing of its models (a LIST on S3, a directory read on disk), so an
 * executor whose bucket or directory cannot be read leaves Consul's healthy set instead of failing every request
 * for a trained model.
 */
export function modelStoreProbe(store: ModelStore, config: Config): ModelStoreProbe {
  const where = config.S3_BUCKET ? `S3 bucket ${config.S3_BUCKET}` : `MODEL_DIR ${config.MODEL_DIR}`;
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
        PROBE_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([store.list(), timeout]);
      return undefined;
    } catch (err) {
      return `model store (${where}) cannot be reached: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      clearTimeout(timer);
    }
  };
}
