/** A binary min-heap of non-negative integers (declaration positions): the step ordering takes the earliest ready step. */
export interface IndexHeap {
  /** Add a value. */
  push(value: number): void;
  /** Remove and return the smallest value, or undefined when empty. */
  pop(): number | undefined;
  /** Number of values held. */
  readonly size: number;
}

/** An empty heap. */
export function createIndexHeap(): IndexHeap {
  const items: number[] = [];
  const at = (i: number): number => items[i] as number;
  const swap = (i: number, j: number): void => {
    const t = at(i);
    items[i] = at(j);
    items[j] = t;
  };
  return {
    push(value) {
      items.push(value);
      for (let i = items.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (at(parent) <= at(i)) break;
        swap(parent, i);
        i = parent;
      }
    },
    pop() {
      if (items.length === 0) return undefined;
      const top = at(0);
      const last = items.pop() as number;
      if (items.length > 0) {
        items[0] = last;
        for (let i = 0; ;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < items.length && at(l) < at(m)) m = l;
          if (r < items.length && at(r) < at(m)) m = r;
          if (m === i) break;
          swap(i, m);
          i = m;
        }
      }
      return top;
    },
    get size() {
      return items.length;
    },
  };
}
