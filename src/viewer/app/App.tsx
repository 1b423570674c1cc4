/** App shell: the catalog when no dataset is named, else the viewer for `?url=`. */
import { useCallback, useEffect, useState } from "react";
import { FlatvoxViewer } from "../embed/FlatvoxViewer";
import { CacheManagerPanel } from "../offline/CacheManagerPanel";
import { openViewerCache, type ViewerCache } from "../offline/offline-data";
import { installOfflineHook } from "../offline/offline-hook";
import { registerServiceWorker } from "../offline/register-sw";
import { forgetLastView, loadLastView } from "../offline/settings";
import { CATALOG_URL, Catalog } from "../ui/Catalog";
import { LocalFilePicker, useFileDrop } from "./LocalFile";
import { parseViewState } from "./url-state";
import { DEFAULT_VIEW, type ViewState } from "./view-state";

export function App() {
  const [view, setView] = useState<ViewState>(() => initialView());
  const [title, setTitle] = useState<string>();
  const [cache, setCache] = useState<ViewerCache>();
  const [budgets] = useState(() => budgetsFromAddress(location.search));
  // `watch=<s>` polls the dataset for new timesteps; kept for the page's life (the address is rewritten).
  const [watchSeconds] = useState(
    () => Number(new URLSearchParams(location.search).get("watch")) || undefined,
  );
  // A local file: not in the address (a link cannot name it), so the address keeps the catalog's.
  const [file, setFile] = useState<File>();
  const dragging = useFileDrop(useCallback((f: File) => setFile(f), []));
  // `?catalog=<url>` lists another catalog (e.g. a folder of runs on a lab server) for this session.
  const [catalogUrl] = useState(() => new URLSearchParams(location.search).get("catalog") ?? CATALOG_URL);
  const home = catalogUrl === CATALOG_URL ? location.pathname : `?catalog=${encodeURIComponent(catalogUrl)}`;
  useEffect(() => {
    installOfflineHook();
    registerServiceWorker();
    void openViewerCache().then(setCache);
  }, []);
  useEffect(() => {
    const onPop = () => setView(parseViewState(location.search));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  if (file) {
    return (
      <FlatvoxViewer
        file={file}
        title={file.name}
        hooks
        budgets={budgets}
        watchSeconds={watchSeconds}
        onHome={() => setFile(undefined)}
      />
    );
  }
  if (!view.url) {
    return (
      <>
        <LocalFilePicker onFile={setFile} dragging={dragging} />
        <Catalog
          url={catalogUrl}
          onOpen={(url, t) => {
            const next = { ...structuredClone(DEFAULT_VIEW), url };
            history.pushState(null, "", `?url=${encodeURIComponent(url)}`);
            setTitle(t);
            setView(next);
          }}
        />
        {cache && (
          <div className="catalog-cache">
            <CacheManagerPanel cache={cache} />
          </div>
        )}
      </>
    );
  }
  return (
    <FlatvoxViewer
      url={view.url}
      title={title}
      initialState={view}
      syncUrl
      hooks
      budgets={budgets}
      watchSeconds={watchSeconds}
      onHome={() => {
        // Back to the catalog on purpose: a reload should not jump back into the dataset.
        forgetLastView();
        history.pushState(null, "", home);
        setView(structuredClone(DEFAULT_VIEW));
      }}
    />
  );
}

/** `?url=` wins; without it, the last dataset and view (so a reload offline reopens it). */
function initialView(): ViewState {
  const fromUrl = parseViewState(location.search);
  if (fromUrl.url) return fromUrl;
  const last = loadLastView();
  if (!last) return fromUrl;
  const v = parseViewState(`?${last}`);
  if (v.url) history.replaceState(null, "", `${location.pathname}?${last}`);
  return v.url ? v : fromUrl;
}

/** `gpuMiB` / `cpuMiB` in the address override the memory budgets (small devices, tests). */
function budgetsFromAddress(search: string): { gpuBytes?: number; cpuBytes?: number } {
  const q = new URLSearchParams(search);
  const mib = (k: string) => {
    const v = Number(q.get(k));
    return Number.isFinite(v) && v > 0 ? v * 2 ** 20 : undefined;
  };
  return { gpuBytes: mib("gpuMiB"), cpuBytes: mib("cpuMiB") };
}
