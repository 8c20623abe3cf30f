/** The queue's visible list: FIFO order, lazy removal (also during a scan), compaction that keeps order. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ReadyList } from "../src/dev/queue/readyList.js";

type Item = { name: number; readySlot: number };
const item = (name: number): Item => ({ name, readySlot: 0 });

function names(list: ReadyList<Item>): number[] {
  const out: number[] = [];
  list.scan((i) => (out.push(i.name), true));
  return out;
}

describe("Class: ReadyList", () => {
  it("keeps the order items became ready in; a re-added item goes to the back", () => {
    const list = new ReadyList<Item>();
    const [a, b, c] = [item(1), item(2), item(3)];
    for (const i of [a, b, c]) list.push(i);
    list.delete(a);
    list.push(a);
    assert.deepEqual(names(list), [2, 3, 1]);
    assert.equal(list.size, 3);
    list.push(b); // already in: no second entry
    assert.deepEqual(names(list), [2, 3, 1]);
  });

  it("stops where the visitor says, and lets it delete the item it visits", () => {
    const list = new ReadyList<Item>();
    const items = Array.from({ length: 6 }, (_, n) => item(n));
    for (const i of items) list.push(i);
    const seen: number[] = [];
    list.scan((i) => {
      seen.push(i.name);
      if (i.name % 2 === 0) list.delete(i);
      return seen.length < 4;
    });
    assert.deepEqual(seen, [0, 1, 2, 3]);
    assert.deepEqual(names(list), [1, 3, 4, 5]);
    assert.equal(list.size, 4);
  });

  it("stays in order and in size through many takes from the front and removals in the middle", () => {
    const list = new ReadyList<Item>();
    const model: Item[] = [];
    let next = 0;
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 20_000; round++) {
      const r = random();
      if (r < 0.5) {
        const i = item(next++);
        list.push(i);
        model.push(i);
      } else if (r < 0.8 && model.length) {
        // a receive: take up to 10 from the front
        const taken: Item[] = [];
        list.scan((i) => (taken.push(i), taken.length < 10));
        for (const i of taken) list.delete(i);
        assert.deepEqual(taken, model.splice(0, taken.length));
      } else if (model.length) {
        const [gone] = model.splice(Math.floor(random() * model.length), 1);
        list.delete(gone!);
      }
      assert.equal(list.size, model.length);
    }
    assert.deepEqual(names(list), model.map((i) => i.name));
  });
});
