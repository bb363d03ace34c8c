/**
 * The number of undelivered outbox entries, per station and in all, kept as each station's count is set (rather
 * than added to), so a station restored from the store after a failed write puts its count right again.
 */
export class PendingDeliveries {
  private readonly byStation = new Map<string, number>();
  private sum = 0;

  get total(): number {
    return this.sum;
  }

  set(station: string, count: number): void {
    this.sum += count - (this.byStation.get(station) ?? 0);
    if (count === 0) this.byStation.delete(station);
    else this.byStation.set(station, count);
  }
}
