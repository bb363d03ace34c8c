/**
 * A station thread: the stations of one shard (their detectors, state files and outbox deliveries), served to the
 * event loop's StationThreads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { detectionBlockReader } from '../detection/detection-block.js';
import { loadDetectorBackend } from '../detection/load-detector-backend.js';
import { createLogger } from '../logger.js';
import { openStations } from './configured.js';
import { type StationThreadData, serveStations } from './station-threads.js';

const { config, shard, detectors } = workerData as StationThreadData;
const logger = createLogger(config).child({ shard: shard.index });
const stations = openStations(config, await loadDetectorBackend(detectors), logger, shard);
serveStations(parentPort!, stations, shard, detectionBlockReader(config), logger);
