/** `mountViewer(element, options)`: the viewer in any page, without React in the page's own code. */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { FlatvoxViewer, type FlatvoxViewerProps } from "./FlatvoxViewer";

export type MountOptions = FlatvoxViewerProps;

export interface MountedViewer {
  /** Re-render with changed options (a new `url` opens that dataset). */
  update(options: Partial<MountOptions>): void;
  /** Close the dataset, stop its workers' use and empty the element. */
  unmount(): void;
}

export function mountViewer(element: Element, options: MountOptions): MountedViewer {
  const root = createRoot(element);
  let current = options;
  const render = () =>
    root.render(
      <StrictMode>
        <FlatvoxViewer {...current} />
      </StrictMode>,
    );
  render();
  return {
    update(patch) {
      current = { ...current, ...patch };
      render();
    },
    unmount() {
      root.unmount();
    },
  };
}
