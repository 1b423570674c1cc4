/** "n new timesteps — reload": shown when the open dataset grew (growth-watch.ts); polling only with `watch=<s>` in the address. */
import { useEffect, useState } from "react";
import { type GrowthState, watchGrowth, watchInterval } from "../data/growth-watch";

// The address loses `watch=` once the view is written back into it; the interval asked for is kept here.
let asked: number | undefined;

export function GrowthBanner(props: { url: string; knownTimes: number; onReload: () => void }) {
  const [interval] = useState(() => {
    asked = watchInterval(location.search) ?? asked;
    return asked;
  });
  const [grown, setGrown] = useState<GrowthState>();
  useEffect(() => {
    if (interval === undefined) return;
    setGrown(undefined);
    const href = new URL(props.url, location.href).href;
    return watchGrowth({ url: href, knownTimes: props.knownTimes, intervalMs: interval, onChange: setGrown });
  }, [props.url, props.knownTimes, interval]);
  if (!grown || grown.added === 0) return null;
  const n = grown.added;
  return (
    <div className="growth-banner" role="status" data-testid="growth-banner">
      <span data-testid="growth-count">
        {n > 0
          ? `${n} new timestep${n === 1 ? "" : "s"}`
          : `the dataset changed (${grown.times} timesteps now)`}
      </span>
      <button type="button" onClick={props.onReload} data-testid="growth-reload">
        reload
      </button>
    </div>
  );
}
