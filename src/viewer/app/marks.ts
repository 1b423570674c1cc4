/**
 * Startup milestones as User Timing marks ("fvx:<name>", first occurrence
 * only), so the path from navigation to the first frame can be read from
 * devtools or `performance.getEntriesByType("mark")` (bench/viewer-frames.ts).
 */
const seen = new Set<string>();

export function mark(name: string): void {
  if (seen.has(name) || typeof performance === "undefined" || typeof performance.mark !== "function") return;
  seen.add(name);
  performance.mark(`fvx:${name}`);
}
