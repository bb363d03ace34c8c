import {
  createModelStore,
  ModelCache,
  type ModelManifest,
  type ModelStore,
  modelStoreConfig,
} from '@outliers/model-store';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { loadAutoencoder } from '../detection/load-autoencoder.js';
import { type MetricModel, shareFiles } from '../detection/metric-runner.js';

export interface MetricModels {
  store: ModelStore;
  cache: ModelCache<MetricModel>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Trained metric models: the store (S3 or MODEL_DIR) and the in-memory cache refreshed every MODEL_REFRESH_MS. */
    metricModels: MetricModels;
  }
}

/**
 * Decorates `metricModels`. The cache loads a model at its first use and swaps in newer versions in the background;
 * a replaced model is disposed after a grace delay, so requests still using it finish.
 */
export default fp<{ config: Config; store?: ModelStore }>(
  async (fastify, { config, store: injected }) => {
    const store = injected ?? createModelStore(modelStoreConfig(config));
    const log = fastify.log.child({ component: 'model-cache' });
    const cache = new ModelCache({
      store,
      refreshMs: config.MODEL_REFRESH_MS,
      // Loaded here even when workers run it: a version that does not load is never served.
      load: async (files: Record<string, Uint8Array>, manifest: ModelManifest): Promise<MetricModel> => {
        const loaded = await loadAutoencoder(files, config.K);
        log.info({ model: manifest.name, version: manifest.version }, 'model loaded');
        return { key: `${manifest.name}@${manifest.version}`, loaded, files: shareFiles(files) };
      },
      dispose: (model) => model.loaded.dispose(),
      // A request resolves its model before running its Druid query (up to 3 attempts of DRUID_TIMEOUT_MS): a
      // replaced model must outlive that, plus the detection itself.
      disposeDelayMs: 3 * config.DRUID_TIMEOUT_MS + 30_000,
      onError: (err, model) => log.error({ err, model }, 'model refresh failed; keeping the loaded version'),
    });
    fastify.decorate('metricModels', { store, cache });
    fastify.addHook('onClose', () => {
      cache.close();
      if (!injected) (store as { close?: () => void }).close?.();
    });
  },
  { name: 'model-store' },
);
