/**
 * Per-minute call accounting for the sandbox: a sliding 60-second limit (what "N calls per minute"
 * means to a client that must never exceed it), and a peak meter that records the highest number of
 * calls seen in any 60-second window, so tests can assert a client's pacing. The window is a parameter
 * (one minute by default) so that tests and benchmarks can compress time.
 *
 * @internal
 */

const MINUTE = 60_000

/**
 * A sliding one-minute limit: at most `limit` accepted calls in any 60 s. Keeps only the last minute's
 * stamps, so it is O(1) amortized a call and bounded in memory whatever the limit.
 */
export class SlidingLimit {
  private readonly stamps: Array<number> = []
  private head = 0
  constructor(readonly limit: number, readonly window: number = MINUTE) {}

  /** Records a call at `now` if the limit allows it; false when the call must be refused. */
  tryAcquire(now: number): boolean {
    if (this.used(now) >= this.limit) return false
    this.stamps.push(now)
    return true
  }

  /** Accepted calls in the minute before `now`. */
  used(now: number): number {
    while (this.head < this.stamps.length && now - (this.stamps[this.head] ?? now) >= this.window) this.head++
    if (this.head > 4096 && this.head * 2 > this.stamps.length) {
      this.stamps.splice(0, this.head)
      this.head = 0
    }
    return this.stamps.length - this.head
  }
}

/** The highest number of calls observed in any 60-second window. */
export class PeakMeter {
  private readonly times: Array<number> = []
  private readonly counts: Array<number> = []
  private head = 0
  private inWindow = 0
  /** The highest count of calls in any window of 60 s seen so far. */
  peak = 0
  /** All calls recorded. */
  total = 0
  constructor(readonly window: number = MINUTE) {}

  /** Records one call at `now`. */
  record(now: number): void {
    this.total++
    const last = this.times.length - 1
    if (last >= this.head && this.times[last] === now) {
      this.counts[last] = (this.counts[last] ?? 0) + 1
    } else {
      this.times.push(now)
      this.counts.push(1)
    }
    this.inWindow++
    while (this.head < this.times.length && now - (this.times[this.head] ?? now) >= this.window) {
      this.inWindow -= this.counts[this.head] ?? 0
      this.head++
    }
    if (this.head > 4096 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head)
      this.counts.splice(0, this.head)
      this.head = 0
    }
    if (this.inWindow > this.peak) this.peak = this.inWindow
  }
}
