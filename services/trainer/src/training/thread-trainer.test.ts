import { monitorEventLoopDelay } from 'node:perf_hooks';
import { AutoencoderModel } from '@outliers/core/autoencoder';
import { UnrecoverableError } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { TINY_TRAINING, trafficRows } from '../../test/fixtures.js';
import { trainAutoencoder } from './autoencoder-trainer.js';
import { ThreadTrainer } from './thread-trainer.js';

const options = { ...TINY_TRAINING, metrics: ['bytes', 'pkts'] };
const trainer = new ThreadTrainer();
afterAll(() => trainer.close());

describe('ThreadTrainer', () => {
  it('trains in a worker thread, with the same result as in-process (same seed)', {
    timeout: 60_000,
  }, async () => {
    const series = [
      { label: 'PT1M', rows: trafficRows(96, 60_000) },
      { label: 'PT1H', rows: trafficRows(6, 3_600_000) }, // shorter than the window: skipped
    ];
    const [inThread, inProcess] = [
      await trainer.train(series, options),
      await trainAutoencoder(series, options),
    ];
    expect(Object.keys(inThread.files).sort()).toEqual([
      'PT1M.metadata.json',
      'PT1M.model.json',
      'PT1M.weights.bin',
      'granularities.json',
      'metadata.json',
      'model.json',
      'weights.bin',
    ]);
    expect(Buffer.from(inThread.files['weights.bin']!)).toEqual(Buffer.from(inProcess.files['weights.bin']!));
    expect(inThread.validationLoss).toBeCloseTo(inProcess.validationLoss, 10);
    expect(inThread.metadata).toMatchObject({ primaryGranularity: 'PT1M', skipped: { PT1H: 6 } });
    // the files are a complete model for the core's reader
    const model = await AutoencoderModel.fromFiles(inThread.files);
    expect(model.metadata.metrics).toEqual(['bytes', 'pkts']);
    model.dispose();
  });

  it('turns rejected input into an UnrecoverableError naming the field', { timeout: 30_000 }, async () => {
    const rows = trafficRows(40, 60_000);
    delete (rows[5]!.values as Record<string, number>).pkts;
    const err = await trainer.train([{ label: 'PT1M', rows }], options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toMatch(/rows\[5\]\.values\.pkts/);
  });

  it('keeps the event loop free while training (BullMQ renews locks on it)', {
    timeout: 60_000,
  }, async () => {
    const series = [{ label: 'PT1M', rows: trafficRows(1440, 60_000) }];
    await trainer.train([{ label: 'x', rows: trafficRows(48, 60_000) }], options); // thread started and warm
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    await trainer.train(series, { ...options, epochs: 3 });
    delay.disable();
    const trainingMs = performance.now() - started;
    // the main loop never stalled for anywhere near a training's length (nor a lock's renewal period)
    expect(delay.max / 1e6).toBeLessThan(Math.min(500, trainingMs / 2));
  });

  it('stops training when aborted, and trains again afterwards', { timeout: 60_000 }, async () => {
    const controller = new AbortController();
    const slow = trainer.train(
      [{ label: 'x', rows: trafficRows(2000, 60_000) }],
      { ...options, epochs: 500 },
      controller.signal,
    );
    setTimeout(() => controller.abort(new Error('node shutting down')), 300);
    await expect(slow).rejects.toThrow('node shutting down');
    const again = await trainer.train([{ label: 'x', rows: trafficRows(48, 60_000) }], options);
    expect(Number.isFinite(again.trainingLoss)).toBe(true);
  });
});
