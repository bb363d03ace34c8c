import { InvalidInputError } from '../errors.js';
import { EnsembleDetector } from './ensemble-detector.js';
import { ForestDetector } from './forest-detector.js';
import { ReferenceDetector } from './reference-detector.js';
import type { StreamDetector, StreamDetectorOptions, StreamDetectorState } from './stream-detector.js';

/** Window bounds accepted by every station detector. */
export const MIN_WINDOW = 8;
export const MAX_WINDOW = 100_000;

/** Options after validation: every field resolved (sensitivity folded into threshold). */
export interface ResolvedDetectorOptions extends StreamDetectorOptions {
  detector: string;
  window: number;
  threshold: number;
  mode: string;
  seed: number;
}

/** What the registry knows about each detector kind. */
interface DetectorKind {
  modes: readonly string[];
  defaultMode: string;
  defaultThreshold: number;
  create(options: ResolvedDetectorOptions): StreamDetector;
  restore(state: StreamDetectorState, options: ResolvedDetectorOptions): StreamDetector;
}

const KINDS: Record<string, DetectorKind> = {
  default: {
    modes: EnsembleDetector.modes,
    defaultMode: 'sliding',
    defaultThreshold: EnsembleDetector.defaultThreshold,
    create: (o) => new EnsembleDetector(o),
    restore: (s, o) => EnsembleDetector.fromJSON(s, o),
  },
  forest: {
    modes: ForestDetector.modes,
    defaultMode: 'sliding',
    defaultThreshold: ForestDetector.defaultThreshold,
    create: (o) => new ForestDetector(o),
    restore: (s, o) => ForestDetector.fromJSON(s, o),
  },
  reference: {
    modes: ReferenceDetector.modes,
    defaultMode: 'tumbling',
    defaultThreshold: ReferenceDetector.defaultThreshold,
    create: (o) => new ReferenceDetector(o),
    restore: (s, o) => ReferenceDetector.fromJSON(s, o),
  },
};

/** Detector kinds known to the registry ('default' first). */
export const DETECTOR_KINDS: readonly string[] = Object.keys(KINDS);

const OPTION_KEYS = new Set(['detector', 'window', 'threshold', 'sensitivity', 'mode', 'seed']);

/**
 * Validates per-variable detector options as given in `/initialize`: a bare number means `{ window: n }`.
 * `sensitivity` s in (0, 1) is the friendlier alternative to `threshold`: threshold = 1 - s (higher flags more).
 * @throws {InvalidInputError} naming the offending option (`window`, `detector`, `mode`, `threshold`,
 *   `sensitivity`, `seed`, or the unknown key).
 */
export function normalizeDetectorOptions(input: unknown): ResolvedDetectorOptions {
  const raw: Record<string, unknown> =
    typeof input === 'number' ? { window: input } : isPlainObject(input) ? input : invalidOptions(input);
  for (const key of Object.keys(raw)) {
    if (!OPTION_KEYS.has(key)) throw new InvalidInputError(key, 'unknown detector option');
  }

  const window = raw.window;
  if (typeof window !== 'number' || !Number.isInteger(window) || window < MIN_WINDOW || window > MAX_WINDOW) {
    throw new InvalidInputError(
      'window',
      `must be an integer in ${MIN_WINDOW}..${MAX_WINDOW}, got ${String(window)}`,
    );
  }

  const detector = raw.detector ?? 'default';
  if (typeof detector !== 'string' || !Object.hasOwn(KINDS, detector)) {
    throw new InvalidInputError(
      'detector',
      `must be one of ${DETECTOR_KINDS.join(', ')}, got ${String(detector)}`,
    );
  }
  const kind = KINDS[detector]!;

  const mode = raw.mode ?? kind.defaultMode;
  if (typeof mode !== 'string' || !kind.modes.includes(mode)) {
    throw new InvalidInputError(
      'mode',
      `detector '${detector}' supports ${kind.modes.join(', ')}, got ${String(mode)}`,
    );
  }

  if (raw.threshold !== undefined && raw.sensitivity !== undefined) {
    throw new InvalidInputError('sensitivity', 'give either threshold or sensitivity, not both');
  }
  let threshold = kind.defaultThreshold;
  if (raw.threshold !== undefined) {
    threshold = raw.threshold as number;
    if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1)) {
      throw new InvalidInputError('threshold', `must be a number in (0, 1), got ${String(raw.threshold)}`);
    }
  } else if (raw.sensitivity !== undefined) {
    const s = raw.sensitivity;
    if (typeof s !== 'number' || !(s > 0 && s < 1)) {
      throw new InvalidInputError('sensitivity', `must be a number in (0, 1), got ${String(s)}`);
    }
    threshold = 1 - s;
  }

  const seed = raw.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidInputError('seed', `must be a non-negative safe integer, got ${String(seed)}`);
  }

  return { detector, window, threshold, mode, seed };
}

/** Builds a fresh detector for one variable. @throws {InvalidInputError} on invalid options. */
export function createStreamDetector(options: StreamDetectorOptions | number): StreamDetector {
  const resolved = normalizeDetectorOptions(options);
  return KINDS[resolved.detector]!.create(resolved);
}

/**
 * Rebuilds a detector from `detector.toJSON()` (possibly after a JSON round trip); it continues exactly where
 * the original stood. @throws {InvalidInputError} naming `state` when the state is not one this version wrote.
 */
export function restoreStreamDetector(state: StreamDetectorState): StreamDetector {
  if (!isPlainObject(state)) throw new InvalidInputError('state', 'expected a detector state object');
  if (typeof state.kind !== 'string' || !Object.hasOwn(KINDS, state.kind)) {
    throw new InvalidInputError('state', `unknown detector kind ${String(state.kind)}`);
  }
  const options = normalizeDetectorOptions(state.options);
  if (options.detector !== state.kind) {
    throw new InvalidInputError(
      'state',
      `kind ${state.kind} does not match options.detector ${options.detector}`,
    );
  }
  return KINDS[state.kind]!.restore(state, options);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidOptions(input: unknown): never {
  throw new InvalidInputError(
    'window',
    `expected a window length or an options object, got ${String(input)}`,
  );
}
