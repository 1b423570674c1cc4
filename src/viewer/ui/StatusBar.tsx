/** Top-right status: streaming progress and the online/offline indicator. */
import { useEffect, useState } from "react";
import { errorHeadline } from "../data/diagnose-error";
import type { ViewerEngine } from "../stream/engine";

export function useOnline(datasetOnline?: () => boolean): boolean {
  const [browser, setBrowser] = useState(typeof navigator === "undefined" ? true : navigator.onLine);
  const [, tick] = useState(0);
  useEffect(() => {
    const up = () => setBrowser(true);
    const down = () => setBrowser(false);
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    // The dataset's own reachability changes without a browser event: poll it cheaply.
    const id = setInterval(() => tick((x) => x + 1), 2000);
    return () => {
      window.removeEventListener("online", up);
      window.removeEventListener("offline", down);
      clearInterval(id);
    };
  }, []);
  return browser && (datasetOnline ? datasetOnline() : true);
}

export function OnlineIndicator({ online }: { online: boolean }) {
  return (
    <span
      className={`online ${online ? "on" : "off"}`}
      data-testid="online-indicator"
      title={online ? "server reachable" : "offline: serving from cache"}
    >
      ● {online ? "online" : "offline"}
    </span>
  );
}

export function StreamProgress({ engine }: { engine: ViewerEngine }) {
  const s = engine.stats();
  const busy = s.pendingVisible > 0 || !s.complete;
  return (
    <span className="progress-inline" data-testid="stream-progress">
      {busy ? (
        <>
          <span className="spinner" /> loading {s.pendingVisible} bricks
        </>
      ) : s.pendingPrefetch > 0 ? (
        <span className="dim">prefetching {s.pendingPrefetch}</span>
      ) : (
        <span className="dim">ready</span>
      )}
    </span>
  );
}

export function ErrorBanner({
  error,
  onClose,
  onRetry,
}: {
  error: unknown;
  onClose?: () => void;
  onRetry?: () => void;
}) {
  const tag = (error as { tag?: string })?.tag;
  const cors = (error as { context?: { cors?: string } })?.context?.cors;
  const message = error instanceof Error ? error.message : String(error);
  const headline = errorHeadline(error);
  const title = cors ? "Cannot read the file from another site" : tag ? titleFor(tag) : "Error";
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      <b>{title}</b>
      {headline && <span data-testid="error-headline">{headline}</span>}
      <span>{message}</span>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
      {onClose && (
        <button type="button" onClick={onClose}>
          dismiss
        </button>
      )}
    </div>
  );
}

function titleFor(tag: string): string {
  switch (tag) {
    case "RangeNotSupportedError":
      return "This server does not support range requests";
    case "HttpError":
      return "The server answered with an error";
    case "ChecksumError":
      return "Corrupt data (checksum mismatch)";
    case "VersionError":
      return "Unsupported file version";
    case "FormatError":
    case "TruncatedError":
      return "Not a valid .fvx file";
    case "ETagChangedError":
      return "The file changed on the server";
    case "OfflineError":
      return "Unreachable and not cached";
    case "LimitError":
      return "Refused: size beyond a safety limit";
    default:
      return tag;
  }
}
