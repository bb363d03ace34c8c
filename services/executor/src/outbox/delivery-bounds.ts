import type { Config } from '../config.js';
import { deliveryBacklog, type ExecutorError } from '../errors.js';

/**
 * Bounds on undelivered outbox entries: beyond either, /detection refuses blocks (503 with Retry-After) instead of
 * letting the outbox grow without bound while the data server is slow or down.
 */
export interface DeliveryBounds {
  perStation: number;
  total: number;
  /** Retry-After of a refused block, in seconds. */
  retryAfter: number;
}

/** Which bound refused a block. */
export type Bound = 'station' | 'total';

/** Blocks refused per bound. */
export type RefusedBlocks = Record<Bound, number>;

/** The configured bounds; none without a data server (there is no outbox then). */
export function deliveryBounds(config: Config): DeliveryBounds | undefined {
  if (config.DATA_SERVER_ENDPOINT === undefined) return undefined;
  return {
    perStation: config.OUTBOX_MAX_PENDING_PER_STATION,
    total: config.OUTBOX_MAX_PENDING,
    // One delivery attempt ends within OUTBOX_TIMEOUT_MS: by then the data server has taken an entry or failed.
    retryAfter: Math.max(1, Math.ceil(config.OUTBOX_TIMEOUT_MS / 1000)),
  };
}

/**
 * Throws the 503 of a refused block (counted in `refused`) when the total (`pending`) or, given `station`, its own
 * entries (`stationPending`) are at their bound; a block adds at most two entries, so the bounds hold within two.
 */
export function admitBlock(
  bounds: DeliveryBounds,
  refused: RefusedBlocks,
  pending: number,
  station?: { id: string; pending: number },
): void {
  if (station && station.pending >= bounds.perStation)
    throw refuseBlock(bounds, refused, { bound: 'station', pending: station.pending }, station.id);
  if (pending >= bounds.total) throw refuseBlock(bounds, refused, { bound: 'total', pending });
}

/** A bound found reached, with the undelivered entries it counted (the station's own, or all). */
export interface BlockRefusal {
  bound: Bound;
  pending: number;
}

/** The 503 of a block refused by `refusal` (of station `id`), counted in `refused`. */
export function refuseBlock(
  bounds: DeliveryBounds,
  refused: RefusedBlocks,
  { bound, pending }: BlockRefusal,
  id?: string,
): ExecutorError {
  refused[bound]++;
  return bound === 'station'
    ? deliveryBacklog(
        {
          key: 'OUTBOX_MAX_PENDING_PER_STATION',
          max: bounds.perStation,
          pending,
          ...(id ? { station: id } : {}),
        },
        bounds.retryAfter,
      )
    : deliveryBacklog({ key: 'OUTBOX_MAX_PENDING', max: bounds.total, pending }, bounds.retryAfter);
}
