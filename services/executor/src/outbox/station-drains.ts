/**
 * Runs a dispatcher's `drain(station)` for the stations that have entries: one drain at a time per station (so its
 * entries go in order), up to `concurrency` stations at once. A drain runs until its station has nothing it can
 * send, so a station scheduled while it is being drained is not queued again.
 */
export class StationDrains {
  private readonly waiting = new Set<string>();
  private readonly active = new Set<string>();
  private readonly workers = new Set<Promise<void>>();

  constructor(
    private readonly concurrency: number,
    private readonly drain: (station: string) => Promise<void>,
    private readonly signal: AbortSignal,
  ) {}

  /** `station` has entries to send. */
  schedule(station: string): void {
    if (this.signal.aborted) return;
    if (!this.active.has(station)) this.waiting.add(station);
    while (this.workers.size < this.concurrency && this.waiting.size > 0) {
      const worker = this.work().finally(() => this.workers.delete(worker));
      this.workers.add(worker);
    }
  }

  /** Resolves once the drains in progress have ended (after the signal aborted, no other starts). */
  async settled(): Promise<void> {
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    for (const station of this.waiting) {
      if (this.signal.aborted) return;
      this.waiting.delete(station);
      this.active.add(station);
      try {
        await this.drain(station);
      } finally {
        this.active.delete(station);
      }
    }
  }
}
