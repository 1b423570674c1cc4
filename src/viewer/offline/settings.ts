/**
 * What the viewer remembers in localStorage for offline use: the last
 * dataset with its view (so a reload without network, or a visit to the bare
 * app URL, reopens it) and the user's cache quota.
 */
const LAST_VIEW = "flatvox.lastView";
const QUOTA = "flatvox.cacheQuotaBytes";

function storage(): Storage | undefined {
  try {
    return typeof localStorage === "undefined" ? undefined : localStorage;
  } catch {
    return undefined; // blocked storage (privacy settings)
  }
}

/** Remember the current view as its URL query (the same text a shared link carries). */
export function saveLastView(query: string): void {
  const q = query.startsWith("?") ? query.slice(1) : query;
  if (!new URLSearchParams(q).get("url")) return;
  try {
    storage()?.setItem(LAST_VIEW, q);
  } catch {
    // Full storage: remembering the view is a convenience.
  }
}

/** The remembered view's query (without "?"), if any. */
export function loadLastView(): string | undefined {
  return storage()?.getItem(LAST_VIEW) ?? undefined;
}

export function forgetLastView(): void {
  storage()?.removeItem(LAST_VIEW);
}

/** The user's cache quota in bytes, or undefined for the default (half the origin's quota). */
export function loadQuotaSetting(): number | undefined {
  const v = Number(storage()?.getItem(QUOTA) ?? Number.NaN);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

export function saveQuotaSetting(bytes: number | undefined): void {
  if (bytes === undefined) storage()?.removeItem(QUOTA);
  else storage()?.setItem(QUOTA, String(Math.floor(bytes)));
}
