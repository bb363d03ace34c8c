import { InvalidInputError } from '../errors.js';
import { normalSf } from '../stats/normal.js';

/**
 * Anomaly likelihood (Ahmad, Lavin, Purdy & Agha 2017, "Unsupervised real-time anomaly detection for streaming
 * data", Neurocomputing 262; Numenta's `anomaly_likelihood.py`): turns raw anomaly scores of any scale into a
 * calibrated "how unusual is this, here".
 *
 * The short-term mean m_t of the last `averaging` raw scores is compared with a normal distribution N(mu, sigma^2)
 * of past short-term means: likelihood L_t = 1 - Q((m_t - mu) / sigma), Q the normal tail. As Numenta does, mu is
 * floored at 0.03 and sigma^2 at 0.0003 so a perfectly quiet history does not make every wiggle certain. Instead of
 * Numenta's 8640-sample buffer, mu and sigma^2 are exponentially weighted with a `memory`-sample time constant (the
 * same long view in a few numbers of state). The reported score is Numenta's log scale
 * log(1 - L + 1e-10) / log(1e-10) in [0, 1]: 0.5 means a tail probability of 1e-5.
 *
 * Score first, learn afterwards: `update` scores the new raw score against the distribution before adding it.
 */
export interface AnomalyLikelihoodState {
  /** Last raw scores (at most `averaging`), oldest first. */
  recent: number[];
  mean: number;
  variance: number;
  /** Short-term means learned so far. */
  count: number;
}

export interface AnomalyLikelihoodOptions {
  /** Raw scores averaged into the short-term mean. @default 10 */
  averaging?: number;
  /** Time constant of the long-term distribution, in samples. @default 2000 */
  memory?: number;
  /** Short-term means to learn before reporting anything but 0. @default 100 */
  learning?: number;
}

const MIN_MEAN = 0.03;
const MIN_VARIANCE = 0.0003;
/** 1e-10: the smallest tail probability told apart, so log scores stay in [0, 1]. */
const TAIL_FLOOR = 1e-10;
const LOG_TAIL_FLOOR = Math.log(TAIL_FLOOR);

export class AnomalyLikelihood {
  private readonly averaging: number;
  private readonly memory: number;
  private readonly learning: number;
  private state: AnomalyLikelihoodState = { recent: [], mean: 0, variance: 0, count: 0 };

  constructor(options: AnomalyLikelihoodOptions = {}) {
    this.averaging = positiveInteger('averaging', options.averaging ?? 10);
    this.memory = positiveInteger('memory', options.memory ?? 2000);
    this.learning = positiveInteger('learning', options.learning ?? 100);
  }

  /** Scores `raw` (any finite number, higher = more anomalous) on the log-likelihood scale, then learns it. */
  update(raw: number): number {
    const s = this.state;
    s.recent.push(raw);
    if (s.recent.length > this.averaging) s.recent.shift();
    // Indexed: a for-of here allocated its iterator on every call (160 bytes per sample, measured).
    let shortMean = 0;
    for (let i = 0; i < s.recent.length; i++) shortMean += s.recent[i]!;
    shortMean /= s.recent.length;

    let score = 0;
    if (s.count >= this.learning) {
      const mean = Math.max(s.mean, MIN_MEAN);
      const sigma = Math.sqrt(Math.max(s.variance, MIN_VARIANCE));
      const tail = normalSf((shortMean - mean) / sigma);
      score = Math.log(Math.max(tail, TAIL_FLOOR)) / LOG_TAIL_FLOOR;
    }

    // Exponentially weighted mean and variance (West 1979), with a 1/n start so early estimates are plain means.
    s.count++;
    const weight = Math.max(1 / s.count, 1 / this.memory);
    const delta = shortMean - s.mean;
    s.mean += weight * delta;
    s.variance = (1 - weight) * (s.variance + weight * delta * delta);
    return score;
  }

  toJSON(): AnomalyLikelihoodState {
    return { ...this.state, recent: [...this.state.recent] };
  }

  static fromJSON(state: AnomalyLikelihoodState, options: AnomalyLikelihoodOptions = {}): AnomalyLikelihood {
    const ok =
      Array.isArray(state?.recent) &&
      [...state.recent, state.mean, state.variance, state.count].every((v) => Number.isFinite(v));
    if (!ok) throw new InvalidInputError('state', 'malformed anomaly likelihood state');
    const likelihood = new AnomalyLikelihood(options);
    likelihood.state = { ...state, recent: [...state.recent] };
    return likelihood;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidInputError(name, `must be a positive integer`);
  return value;
}
