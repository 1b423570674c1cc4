/** Says which parts of the view are missing while offline, instead of a silent hole. */
import { useEffect, useReducer } from "react";
import type { OpenedDataset } from "../data/dataset-adapter";

export function OfflineNotice({ ds }: { ds: OpenedDataset }) {
  const [, bump] = useReducer((x: number) => x + 1, 0);
  useEffect(() => ds.onUnavailableChange(bump), [ds]);
  const u = ds.unavailable();
  if (!u.count) return null;
  const levels = u.levels.map((l) => (l === 0 ? "0 (full resolution)" : String(l))).join(", ");
  const times = u.times.length > 6 ? `${u.times[0]}…${u.times[u.times.length - 1]}` : u.times.join(", ");
  return (
    <div className="overlay small offline-notice" data-testid="offline-notice" role="status">
      Offline: {u.count} brick{u.count === 1 ? "" : "s"} not cached (level {levels}; time step {times})
      {u.corrupt ? `, ${u.corrupt} corrupt in the cache and discarded` : ""} — showing coarser levels where
      cached.
    </div>
  );
}
