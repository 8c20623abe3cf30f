/**
 * A value shared by every copy of the runtime in one process (the user's
 * bundle may hold its own copy beside the one the image's entry loads): a
 * global slot keyed by `Symbol.for`, the same symbol in every copy. The one
 * place such slots are made.
 */
export interface ProcessSlot<T> {
  get(): T | undefined;
  /** undefined empties the slot. */
  set(value: T | undefined): void;
}

export function processSlot<T>(name: string): ProcessSlot<T> {
  const key = Symbol.for(`letsgo-worker.${name}`);
  const slots = globalThis as unknown as Record<symbol, T | undefined>;
  return {
    get: () => slots[key],
    set(value) {
      if (value === undefined) delete slots[key];
      else slots[key] = value;
    },
  };
}
