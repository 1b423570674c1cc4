/** The browser's view of the origin's storage (navigator.storage), where it exists. */

export interface OriginStorage {
  usage?: number;
  quota?: number;
  persisted?: boolean;
}

function storageManager(): StorageManager | undefined {
  return typeof navigator === "undefined" ? undefined : navigator.storage;
}

/** navigator.storage.estimate() and persisted(); empty outside browsers. */
export async function originStorage(): Promise<OriginStorage> {
  const storage = storageManager();
  const out: OriginStorage = {};
  if (storage?.estimate) {
    const est = await storage.estimate();
    out.usage = est.usage;
    out.quota = est.quota;
  }
  if (storage?.persisted) out.persisted = await storage.persisted();
  return out;
}

/** Ask the browser not to evict this origin's storage; false where unsupported or refused. */
export async function requestPersistentStorage(): Promise<boolean> {
  const storage = storageManager();
  return storage?.persist ? storage.persist() : false;
}
