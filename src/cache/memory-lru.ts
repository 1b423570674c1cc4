/**
 * A byte-budgeted LRU of Uint8Arrays: the memory tier above the persistent
 * store. Map insertion order is the recency order (re-insert on use).
 */
export class ByteLru<K> {
  private readonly map = new Map<K, Uint8Array>();
  private used = 0;

  constructor(private budget: number) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): Uint8Array | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Insert (or refresh) a value; values larger than the whole budget are not kept. */
  set(key: K, value: Uint8Array): void {
    this.delete(key);
    if (value.byteLength > this.budget) return;
    this.map.set(key, value);
    this.used += value.byteLength;
    this.trim();
  }

  delete(key: K): boolean {
    const v = this.map.get(key);
    if (v === undefined) return false;
    this.map.delete(key);
    this.used -= v.byteLength;
    return true;
  }

  clear(): void {
    this.map.clear();
    this.used = 0;
  }

  setBudget(bytes: number): void {
    this.budget = bytes;
    this.trim();
  }

  private trim(): void {
    for (const [k, v] of this.map) {
      if (this.used <= this.budget) break;
      this.map.delete(k);
      this.used -= v.byteLength;
    }
  }
}
