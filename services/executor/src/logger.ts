import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

/** The process logger: stdout, plus `${LOG_DIR}/executor.log` when LOG_DIR is set (created if missing). */
export function createLogger(config: Config): Logger {
  const options = { level: config.LOG_LEVEL, redact: ['req.headers.authorization'] };
  if (config.LOG_DIR === undefined) return pino(options);
  mkdirSync(config.LOG_DIR, { recursive: true });
  const file = pino.destination({ dest: join(config.LOG_DIR, 'executor.log'), sync: false, mkdir: true });
  return pino(
    options,
    pino.multistream([
      { level: config.LOG_LEVEL as pino.Level, stream: pino.destination({ dest: 1, sync: false }) },
      { level: config.LOG_LEVEL as pino.Level, stream: file },
    ]),
  );
}
