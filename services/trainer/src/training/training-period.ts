/**
 * `--from` / `--to`: a past period to train on instead of the look-back ending now. Shared by the trainer's
 * `run-once` and the CLI's `train`, so both read the flags alike.
 */
import { parseInstant } from '@outliers/druid';

export interface TrainingPeriod {
  /** Inclusive. Absent: the look-back before `to`. */
  from?: Date;
  /** Exclusive. Absent: now. */
  to?: Date;
}

/**
 * Reads the flags' ISO-8601 instants (a bare date is midnight UTC, a date-time without offset is UTC, as in Druid).
 * @throws {RangeError} naming the flag: not an instant, or `--from` not before `--to`.
 */
export function parseTrainingPeriod(flags: {
  from?: string | undefined;
  to?: string | undefined;
}): TrainingPeriod {
  const instant = (flag: 'from' | 'to'): Date | undefined => {
    const text = flags[flag];
    if (text === undefined) return undefined;
    try {
      return new Date(parseInstant(text, `--${flag}`));
    } catch (err) {
      throw new RangeError((err as Error).message);
    }
  };
  const from = instant('from');
  const to = instant('to');
  if (from && to && from >= to) {
    throw new RangeError(`--from: ${from.toISOString()} is not before --to ${to.toISOString()}`);
  }
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}
