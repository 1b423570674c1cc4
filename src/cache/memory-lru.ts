/**
 * A byte-budgeted LRU of Uint8Arrays: the memory tier above the persistent
 * store, on lru-cache (size-bounded by each value's byteLength). A value
 * larger than the whole budget is not kept.
 */
import { LRUCache } from "lru-cache";

export class ByteLru<K extends {}> {
  private lru: LRUCache<K, Uint8Array> | undefined;

  constructor(private budget: number) {
    this.lru = ByteLru.make<K>(budget);
  }

  private static make<K extends {}>(budget: number): LRUCache<K, Uint8Array> | undefined {
    // lru-cache needs a positive size; a budget under one byte keeps nothing.
    if (!(budget >= 1)) return undefined;
    return new LRUCache<K, Uint8Array>({
      maxSize: Math.floor(budget),
      // Empty values still take a slot (lru-cache sizes are positive).
      sizeCalculation: (v) => Math.max(1, v.byteLength),
    });
  }

  get bytes(): number {
    return this.lru?.calculatedSize ?? 0;
  }

  get size(): number {
    return this.lru?.size ?? 0;
  }

  get(key: K): Uint8Array | undefined {
    return this.lru?.get(key);
  }

  has(key: K): boolean {
    return this.lru?.has(key) ?? false;
  }

  /** Insert (or refresh) a value; values larger than the whole budget are not kept. */
  set(key: K, value: Uint8Array): void {
    this.lru?.delete(key);
    if (value.byteLength > this.budget) return;
    this.lru?.set(key, value);
  }

  delete(key: K): boolean {
    return this.lru?.delete(key) ?? false;
  }

  clear(): void {
    this.lru?.clear();
  }

  /** Change the budget, keeping the most recently used values that fit. */
  setBudget(bytes: number): void {
    const old = this.lru;
    this.budget = bytes;
    this.lru = ByteLru.make<K>(bytes);
    // Least recently used first, so the most recent end up most recent again.
    if (old && this.lru) for (const [k, v] of [...old.rentries()] as [K, Uint8Array][]) this.set(k, v);
  }
}
