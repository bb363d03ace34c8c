/**
 * The label of a series that does not come from a Druid granularity (a file): its sampling interval as an ISO-8601
 * period. The executor reads every label of a version's granularities.json as a granularity, to send each series to
 * the network trained nearest its sampling; a label like "file" would make the version unloadable.
 */
import type { MetricRow } from '@outliers/core';
import { formatPeriod } from '@outliers/druid';

/**
 * The median gap between consecutive rows as a period (`PT1M`, `PT1H`, `P1D`, `PT1M30S`).
 * @throws {RangeError} naming `rows` when fewer than two distinct times give no gap.
 */
export function samplingLabel(rows: readonly MetricRow[]): string {
  const gaps: number[] = [];
  for (let i = 1; i < rows.length; i++) {
    const gap = rows[i]!.time - rows[i - 1]!.time;
    if (gap > 0) gaps.push(gap);
  }
  gaps.sort((a, b) => a - b);
  const gapMs = gaps[gaps.length >> 1];
  if (gapMs === undefined) throw new RangeError('rows: fewer than two distinct times, no sampling interval');
  let seconds = Math.round(gapMs) / 1000;
  const days = Math.floor(seconds / 86_400);
  seconds -= days * 86_400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds = Math.round((seconds - minutes * 60) * 1000) / 1000;
  return formatPeriod({ years: 0, months: 0, weeks: 0, days, hours, minutes, seconds });
}
