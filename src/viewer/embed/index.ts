/**
 * `flatvox/viewer`: the flatvox viewer for other pages — `<FlatvoxViewer>` for
 * React, `mountViewer(element, options)` for any page. Styles: `flatvox/viewer.css`.
 */
export type { ViewState } from "../app/view-state";
export type { ViewerInfo } from "../data/viewer-types";
export type { PickResult } from "../pick/pick-session";
export type { ColormapName } from "../render/colormaps";
export type { Snapshot } from "../render/viewport";
export type { EngineStats } from "../stream/engine";
export type { ViewerController } from "./controller";
export { FlatvoxViewer, type FlatvoxViewerProps, type ViewerState } from "./FlatvoxViewer";
export { type MountedViewer, type MountOptions, mountViewer } from "./mount";
