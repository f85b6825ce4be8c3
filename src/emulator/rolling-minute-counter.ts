/**
 * Counts requests in a rolling 60-second window with one-second buckets: constant memory and O(60) per check,
 * whatever the limit. `Retry-After` is the number of whole seconds until enough old buckets leave the window.
 */
export class RollingMinuteCounter {
  private readonly counts = new Int32Array(60);
  private readonly bucketSecond = new Float64Array(60).fill(-1);

  /** Records one request if under `limit`; otherwise returns the seconds to wait (at least 1). */
  hit(nowMs: number, limit: number): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const nowSecond = Math.floor(nowMs / 1000);
    let total = 0;
    for (let i = 0; i < 60; i += 1) {
      if (this.bucketSecond[i]! > nowSecond - 60) {
        total += this.counts[i]!;
      }
    }
    if (total >= limit) {
      return { allowed: false, retryAfterSeconds: this.retryAfter(nowSecond, total, limit) };
    }
    const slot = nowSecond % 60;
    if (this.bucketSecond[slot] !== nowSecond) {
      this.bucketSecond[slot] = nowSecond;
      this.counts[slot] = 0;
    }
    this.counts[slot] = this.counts[slot]! + 1;
    return { allowed: true };
  }

  private retryAfter(nowSecond: number, total: number, limit: number): number {
    let remaining = total;
    for (let s = nowSecond - 59; s <= nowSecond; s += 1) {
      const slot = ((s % 60) + 60) % 60;
      if (this.bucketSecond[slot] === s) {
        remaining -= this.counts[slot]!;
      }
      if (remaining < limit) {
        return Math.max(1, s + 60 - nowSecond);
      }
    }
    return 60;
  }
}
