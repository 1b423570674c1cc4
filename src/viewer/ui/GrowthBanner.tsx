/** "n new timesteps — reload": shown when the open dataset grew (growth-watch.ts); polling only with an interval. */
import { useEffect, useState } from "react";
import { type GrowthState, watchGrowth } from "../data/growth-watch";

export function GrowthBanner(props: {
  url: string;
  knownTimes: number;
  intervalMs: number | undefined;
  onReload: () => void;
}) {
  const interval = props.intervalMs;
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
