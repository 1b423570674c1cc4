/**
 * What a brick costs on the way to the screen, counted where it happens:
 * main-thread milliseconds spent on brick data (half-float conversion and
 * upload, occupancy, material scans, mesh copies and geometry) and the times
 * brick data crossed a thread boundary (backend → page: a scalar brick's GPU
 * form or a categorical brick's mesh; with `?backend=off`: decode worker →
 * page, page → mesh worker, page → core worker for a pick). Read through the engine's stats.
 */
export const brickCost = {
  /** Bricks whose decoded data reached the page. */
  bricks: 0,
  mainMs: 0,
  crossings: 0,
  /** Categorical meshes that reached the page made elsewhere (the backend worker's). */
  meshes: 0,
};

/** Run `f` and count its time as main-thread brick work. */
export function onMain<T>(f: () => T): T {
  const t0 = performance.now();
  try {
    return f();
  } finally {
    brickCost.mainMs += performance.now() - t0;
  }
}

export function crossed(n = 1): void {
  brickCost.crossings += n;
}
