/**
 * Small deterministic randomness for the sandbox: a string hash and a seeded generator, so that the same
 * task under the same seed always yields the same SERP, the same task id and the same injected faults.
 *
 * @internal
 */

/** FNV-1a, 32 bits: a fast, stable hash of a string, mixed with a seed. */
export const hash = (text: string, seed = 0): number => {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** A seeded pseudo-random generator (mulberry32): cheap, and the same sequence for the same seed. */
export class Prng {
  private state: number
  constructor(seed: number) {
    this.state = seed >>> 0
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1)
  }
  /** One element of a non-empty list. */
  pick<A>(items: readonly [A, ...Array<A>]): A {
    return items[this.int(items.length)] ?? items[0]
  }
  /** True with the given probability. */
  chance(probability: number): boolean {
    return this.next() < probability
  }
}
