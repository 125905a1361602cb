/**
 * A first-in, first-out queue on an array with a moving head: taking the oldest element does not shift the
 * array. A taken element's slot is cleared, so the queue never keeps it alive. The array is let go when it
 * empties, and compacted once the taken part outweighs the rest.
 *
 * @since 0.1.0
 * @internal
 */
export class Fifo<A> {
  private items: Array<A | undefined> = []
  private head = 0

  /** Elements in the queue. */
  get size(): number {
    return this.items.length - this.head
  }

  push(a: A): void {
    this.items.push(a)
  }

  /** The oldest element, taken out; undefined when the queue is empty. */
  shift(): A | undefined {
    if (this.head >= this.items.length) return undefined
    const a = this.items[this.head]
    this.items[this.head++] = undefined
    this.compact()
    return a
  }

  /** The `max` oldest elements at most, taken out, oldest first. */
  take(max: number): Array<A> {
    const end = Math.min(this.items.length, this.head + max)
    const taken = this.items.slice(this.head, end) as Array<A>
    this.items.fill(undefined, this.head, end)
    this.head = end
    this.compact()
    return taken
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
  }
}
