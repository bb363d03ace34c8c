import { createModelStore, ModelCache, type ModelStore, modelStoreConfig } from '@outliers/model-store';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { type ModelFiles, sharedModelFiles } from '../detection/loaded-models.js';
import { createMetricRunner, type MetricRunner } from '../detection/metric-runner.js';
import { type ModelStoreProbe, modelStoreProbe } from '../detection/model-store-probe.js';

export interface MetricModels {
  /** The current version of each trained model, refreshed from the store every MODEL_REFRESH_MS. */
  cache: ModelCache<ModelFiles>;
  /** Where detection runs (METRIC_WORKERS threads, or the event loop), each thread loading a version once. */
  runner: MetricRunner;
}

declare module 'fastify' {
  interface FastifyInstance {
    metricModels: MetricModels;
    /** Why the model store cannot be read (GET /ready), or undefined. */
    modelStoreProbe: ModelStoreProbe;
  }
}

/**
 * Decorates `metricModels` and `modelStoreProbe`. The cache reads a model at its first use and swaps in newer versions in the background;
 * requests still holding a replaced version finish with it.
 */
export default fp<{ config: Config; store?: ModelStore }>(
  async (fastify, { config, store: injected }) => {
    const store = injected ?? createModelStore(modelStoreConfig(config));
    const log = fastify.log.child({ component: 'model-cache' });
    const runner = createMetricRunner({ workers: config.METRIC_WORKERS, k: config.K });
    const cache = new ModelCache({
      store,
      refreshMs: config.MODEL_REFRESH_MS,
      // Loaded by a thread that runs detection before it is served: a version that does not load is never served.
      load: async (files, manifest): Promise<ModelFiles> => {
        const model = sharedModelFiles(`${manifest.name}@${manifest.version}`, files);
        await runner.load(model);
        log.info({ model: manifest.name, version: manifest.version }, 'model loaded');
        return model;
      },
      onError: (err, model) => log.error({ err, model }, 'model refresh failed; keeping the loaded version'),
    });
    fastify.decorate('metricModels', { cache, runner });
    fastify.decorate('modelStoreProbe', modelStoreProbe(store, config));
    fastify.addHook('onClose', async () => {
      cache.close();
      await runner.close();
      if (!injected) (store as { close?: () => void }).close?.();
    });
  },
  { name: 'model-store' },
);
