/** The trainer's pino logger: JSON lines on stderr, so stdout stays for command output (`trainer status`). */
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(level = 'info'): Logger {
  return pino(
    { level, base: { service: 'trainer' }, redact: ['*.secretAccessKey', '*.password'] },
    pino.destination(2),
  );
}
