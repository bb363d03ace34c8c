/** A metric worker thread (piscina): its named exports are the calls of MetricThread. */
import { workerData } from 'node:worker_threads';
import Piscina from 'piscina';
import { type MetricThread, metricThread } from './metric-thread.js';

const thread = metricThread((workerData as { k: number | undefined }).k);

export const load: MetricThread['load'] = (model) => thread.load(model);

export const detect: MetricThread['detect'] = async (task) => {
  const outcome = await thread.detect(task);
  if (!('value' in outcome)) return outcome;
  // The reply (~170 KiB for 1440 rows) goes back in a transferred buffer: no copy to the event loop.
  return Piscina.move({
    [Piscina.transferableSymbol]: outcome.value.buffer,
    [Piscina.valueSymbol]: outcome,
  }) as unknown as typeof outcome;
};
