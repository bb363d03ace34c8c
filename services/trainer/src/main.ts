#!/usr/bin/env node
/**
 * The trainer's command line:
 *   trainer run-once --config FILE [--sensor NAME]... [--from T] [--to T]
 *                                                       train now, in this process (no Redis needed), on the
 *                                                       look-back or on the period [--from, --to)
 *   trainer serve --config FILE                         cluster node: schedulers + worker on the shared Redis
 *   trainer rollback --config FILE --sensor S --to V    point a sensor's manifest back at a kept version and pin it
 *   trainer unpin --config FILE --sensor S              let scheduled training publish over the pinned version again
 *   trainer status --config FILE [--json]               sensors, last training, duration, losses, versions
 *   trainer unschedule --config FILE --sensor S         remove the cluster scheduler of a sensor no node trains
 */
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { RollbackError, rollback, unpin } from './commands/rollback.js';
import { formatStatus, type LastRun, lastRuns, sensorStatus } from './commands/status.js';
import { ConfigError, loadConfig, type TrainerConfig } from './config.js';
import { trainSensorModel } from './jobs/train-sensor-model.js';
import { createLogger, type Logger } from './logger.js';
import { TRAINING_QUEUE } from './queues.js';
import { redisConnection } from './redis.js';
import { openRuntime, type TrainerRuntime, trainingProcessor } from './runtime.js';
import { removeSensorSchedule } from './schedules.js';
import { startTrainerNode } from './trainer-node.js';
import { trainAutoencoder } from './training/autoencoder-trainer.js';
import { ThreadTrainer } from './training/thread-trainer.js';
import { parseTrainingPeriod, type TrainingPeriod } from './training/training-period.js';

const USAGE = `usage:
  trainer run-once --config FILE [--sensor NAME]... [--from ISO-TIME] [--to ISO-TIME]
  trainer serve --config FILE
  trainer rollback --config FILE --sensor NAME --to VERSION
  trainer unpin --config FILE --sensor NAME
  trainer status --config FILE [--json]
  trainer unschedule --config FILE --sensor NAME`;

class UsageError extends Error {}

/** Runs `use` with the configured store and data source, closing them after. */
async function withRuntime<T>(
  config: TrainerConfig,
  use: (runtime: TrainerRuntime) => Promise<T>,
): Promise<T> {
  const runtime = openRuntime(config);
  try {
    return await use(runtime);
  } finally {
    await runtime.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv[0] === '--' ? argv.slice(1) : argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      sensor: { type: 'string', multiple: true },
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean' },
      'log-level': { type: 'string' },
    },
  });
  const command = positionals[0];
  if (!command || !['run-once', 'serve', 'rollback', 'unpin', 'status', 'unschedule'].includes(command)) {
    throw new UsageError(`unknown command ${command ?? '(none)'}`);
  }
  if (!values.config) throw new UsageError('--config FILE is required');
  if (values.from !== undefined && command !== 'run-once')
    throw new UsageError('--from: only run-once takes it');
  // Read before the configuration, so that a mistyped period fails at once.
  const period = command === 'run-once' ? usagePeriod(values) : undefined;
  const log = createLogger(values['log-level']);
  const config = await loadConfig(values.config, process.env);
  switch (command) {
    case 'run-once':
      return runOnce(config, values.sensor, period!, log);
    case 'serve':
      return serve(config, log);
    case 'rollback': {
      const sensor = values.sensor?.[0];
      if (!sensor || !values.to) throw new UsageError('rollback needs --sensor NAME and --to VERSION');
      const manifest = await withRuntime(config, (runtime) => rollback(runtime.store, sensor, values.to!));
      log.info({ sensor, version: manifest.version }, 'rolled back and pinned');
      process.stdout.write(
        `${sensor}: active version is now ${manifest.version}, pinned (trainer unpin lets training publish again)\n`,
      );
      return 0;
    }
    case 'unpin': {
      const sensor = values.sensor?.[0];
      if (!sensor) throw new UsageError('unpin needs --sensor NAME');
      const manifest = await withRuntime(config, (runtime) => unpin(runtime.store, sensor));
      log.info({ sensor, version: manifest.version }, 'unpinned');
      process.stdout.write(`${sensor}: version ${manifest.version} is no longer pinned\n`);
      return 0;
    }
    case 'unschedule': {
      const sensor = values.sensor?.[0];
      if (!sensor) throw new UsageError('unschedule needs --sensor NAME');
      if (!config.redis) throw new UsageError('unschedule needs the redis settings of the cluster');
      const queue = new Queue(TRAINING_QUEUE, {
        connection: redisConnection(config.redis),
        prefix: config.redis.prefix,
      });
      try {
        const removed = await removeSensorSchedule(queue, sensor);
        process.stdout.write(`${sensor}: ${removed ? 'scheduler removed' : 'no scheduler'}\n`);
      } finally {
        await queue.close();
      }
      return 0;
    }
    default: {
      const runtime = openRuntime(config);
      try {
        const rows = await sensorStatus(config, runtime.store);
        const runs = config.redis ? await readLastRuns(config, log) : new Map<string, LastRun>();
        for (const row of rows) {
          const run = runs.get(row.sensor);
          if (run) row.lastRun = run;
        }
        process.stdout.write(`${values.json ? JSON.stringify(rows, null, 2) : formatStatus(rows)}\n`);
      } finally {
        await runtime.close();
      }
      return 0;
    }
  }
}

/** `--from/--to` of run-once; an end after now trains up to now. @throws {UsageError} naming the flag. */
function usagePeriod(values: { from?: string | undefined; to?: string | undefined }): TrainingPeriod {
  let period: TrainingPeriod;
  try {
    period = parseTrainingPeriod(values);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (period.from && period.from.getTime() >= Date.now()) {
    throw new UsageError(
      `--from: ${period.from.toISOString()} is in the future, there is nothing to train on`,
    );
  }
  return period;
}

/** Last runs from the cluster queue; a Redis that does not answer within seconds only costs the column. */
async function readLastRuns(config: TrainerConfig, log: Logger): Promise<Map<string, LastRun>> {
  const connection = {
    ...redisConnection(config.redis!),
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  };
  const queue = new Queue(TRAINING_QUEUE, { connection, prefix: config.redis!.prefix });
  queue.on('error', () => {}); // reported below, once
  try {
    return await lastRuns(queue);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'cannot read last runs from redis');
    return new Map();
  } finally {
    await queue.close().catch(() => {});
  }
}

/** Chooses the TensorFlow.js backend (native, else wasm, else cpu) and logs it; only training commands load TF.js. */
async function logBackend(log: Logger): Promise<void> {
  const { initBackend } = await import('@outliers/core/autoencoder');
  log.info({ backend: await initBackend() }, 'TensorFlow.js backend');
}

/** Trains every configured sensor (or the named ones) in turn; a failed sensor does not stop the others. */
async function runOnce(
  config: TrainerConfig,
  only: string[] | undefined,
  period: TrainingPeriod,
  log: Logger,
): Promise<number> {
  const sensors = only ? config.sensors.filter((s) => only.includes(s.name)) : config.sensors;
  const unknown = (only ?? []).filter((name) => !config.sensors.some((s) => s.name === name));
  if (unknown.length > 0) throw new UsageError(`not configured: ${unknown.join(', ')}`);
  const runtime = openRuntime(config);
  await logBackend(log);
  let failures = 0;
  try {
    for (const sensor of sensors) {
      const sensorLog = log.child({ sensor: sensor.name });
      try {
        const outcome = await trainSensorModel(
          { sensor, training: config.training },
          {
            source: runtime.source,
            store: runtime.store,
            publish: config.publish,
            node: config.node,
            log: sensorLog,
            train: trainAutoencoder,
            period,
          },
        );
        process.stdout.write(`${JSON.stringify(outcome)}\n`);
      } catch (err) {
        failures++;
        sensorLog.error({ err }, 'training failed');
      }
    }
  } finally {
    await runtime.close();
  }
  return failures === 0 ? 0 : 1;
}

/** Runs a cluster node until SIGTERM/SIGINT, then finishes or releases the current job and exits. */
async function serve(config: TrainerConfig, log: Logger): Promise<number> {
  const runtime = openRuntime(config);
  // The training thread runs the same selection on the same installed packages.
  await logBackend(log);
  const trainer = new ThreadTrainer();
  const node = await startTrainerNode(
    config,
    trainingProcessor(config, runtime, (series, options, signal) => trainer.train(series, options, signal)),
    log,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal, graceMs: config.worker.shutdownGraceMs }, 'shutting down');
  await node.close();
  await trainer.close();
  await runtime.close();
  log.info('stopped');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof UsageError || err instanceof RollbackError) {
      process.stderr.write(`${err.message}\n${err instanceof UsageError ? `${USAGE}\n` : ''}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`trainer: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    }
  },
);
