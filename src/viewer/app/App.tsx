/** App shell: the catalog when no dataset is named, else the viewer for `?url=`. */
import { useEffect, useState } from "react";
import { Catalog } from "../ui/Catalog";
import { parseViewState } from "./url-state";
import { DEFAULT_VIEW, type ViewState } from "./view-state";
import { ViewerScreen } from "./ViewerScreen";

export function App() {
  const [view, setView] = useState<ViewState>(() => parseViewState(location.search));
  const [title, setTitle] = useState<string>();
  useEffect(() => {
    const onPop = () => setView(parseViewState(location.search));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  if (!view.url) {
    return (
      <Catalog
        onOpen={(url, t) => {
          const next = { ...structuredClone(DEFAULT_VIEW), url };
          history.pushState(null, "", `?url=${encodeURIComponent(url)}`);
          setTitle(t);
          setView(next);
        }}
      />
    );
  }
  return (
    <ViewerScreen
      key={view.url}
      url={view.url}
      title={title}
      initial={view}
      onHome={() => {
        history.pushState(null, "", location.pathname);
        setView(structuredClone(DEFAULT_VIEW));
      }}
    />
  );
}
