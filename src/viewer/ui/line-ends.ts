/**
 * The ends of the plot-over-line segment (level-0 voxels), one pair per
 * engine, shared by the line plot panel (which sets them) and the slice
 * panes (which draw the segment).
 */
import { useSyncExternalStore } from "react";
import type { Vec3 } from "../../shared/types";

export interface LineEnds {
  start?: Vec3;
  end?: Vec3;
}

interface Store {
  ends: LineEnds;
  listeners: Set<() => void>;
}

const stores = new WeakMap<object, Store>();

function store(owner: object): Store {
  let s = stores.get(owner);
  if (!s) {
    s = { ends: {}, listeners: new Set() };
    stores.set(owner, s);
  }
  return s;
}

export function lineEnds(owner: object): LineEnds {
  return store(owner).ends;
}

export function setLineEnds(owner: object, patch: LineEnds | null): void {
  const s = store(owner);
  s.ends = patch === null ? {} : { ...s.ends, ...patch };
  for (const l of s.listeners) l();
}

/** The current ends; re-renders the component when they change. */
export function useLineEnds(owner: object): LineEnds {
  const s = store(owner);
  return useSyncExternalStore(
    (cb) => {
      s.listeners.add(cb);
      return () => s.listeners.delete(cb);
    },
    () => s.ends,
  );
}
