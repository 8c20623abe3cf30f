/**
 * The queue's visible messages in the order they became visible, as a FIFO with
 * lazy removal. A Map kept this order too, but V8 leaves a deleted Map entry in
 * place until the table is rebuilt, so each receive (which takes from the
 * front) first walked over every message received since: under load that walk
 * was the queue's largest cost. Here a removal only clears the message's slot
 * number; the front is skipped past once, and the arrays are compacted when
 * removed entries outnumber the live ones.
 */

/** What the list needs of a message: a slot number it owns (0 when not in the list). */
export interface Listed {
  readySlot: number;
}

export class ReadyList<T extends Listed> {
  private items: T[] = [];
  /** The slot each entry had when it was pushed: an entry is live while its message still has that slot. */
  private slots: number[] = [];
  private head = 0;
  private live = 0;
  private nextSlot = 1;
  /** A scan is walking the arrays: compaction waits (it would move entries under it). */
  private scanning = false;

  get size(): number {
    return this.live;
  }

  has(item: T): boolean {
    return item.readySlot !== 0;
  }

  push(item: T): void {
    if (item.readySlot !== 0) return;
    if (!this.scanning && this.items.length - this.head > 2 * this.live + 1024) this.compact();
    item.readySlot = this.nextSlot++;
    this.items.push(item);
    this.slots.push(item.readySlot);
    this.live++;
  }

  delete(item: T): void {
    if (item.readySlot === 0) return;
    item.readySlot = 0;
    this.live--;
  }

  /** The live entry at the front (visible longest), if any. */
  first(): T | undefined {
    this.skipDeadHead();
    return this.items[this.head];
  }

  /**
   * Visit live entries from the front, in order, until `visit` returns false.
   * `visit` may delete the entry it is given (or any other).
   */
  scan(visit: (item: T) => boolean): void {
    this.skipDeadHead();
    this.scanning = true;
    try {
      for (let i = this.head; i < this.items.length; i++) {
        const item = this.items[i]!;
        if (item.readySlot !== this.slots[i]) continue;
        if (!visit(item)) return;
      }
    } finally {
      this.scanning = false;
    }
  }

  private skipDeadHead(): void {
    while (this.head < this.items.length && this.items[this.head]!.readySlot !== this.slots[this.head]) this.head++;
    if (this.head === this.items.length) this.clear();
    else if (this.items.length - this.head > 2 * this.live + 1024 || (this.head > 1024 && this.head * 2 > this.items.length)) this.compact();
  }

  private compact(): void {
    const items: T[] = [];
    const slots: number[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      if (this.items[i]!.readySlot === this.slots[i]) {
        items.push(this.items[i]!);
        slots.push(this.slots[i]!);
      }
    }
    this.items = items;
    this.slots = slots;
    this.head = 0;
  }

  private clear(): void {
    this.items = [];
    this.slots = [];
    this.head = 0;
  }
}
