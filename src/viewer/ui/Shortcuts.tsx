/**
 * Keyboard shortcuts of the viewer and their help overlay (`?`). Keys are
 * ignored while typing in a field or with Ctrl/Alt/Meta held; a focused
 * control that uses a key itself (the transfer-function editor's arrows)
 * stops it first.
 */
import { useEffect, useRef } from "react";
import { COLORMAPS } from "../render/colormaps";
import type { RenderMode } from "../render/volume-layer";
import type { ViewerEngine } from "../stream/engine";
import { fitToData, resetView } from "./navigation";

export interface ShortcutActions {
  toggleHelp: () => void;
  closeOverlays: () => void;
  toggleLeft: () => void;
  toggleRight: () => void;
  screenshot: () => void;
  record: () => void;
}

export const SHORTCUTS: { keys: string; what: string }[] = [
  { keys: "?", what: "show or hide this help" },
  { keys: "Esc", what: "close this help" },
  { keys: "R", what: "reset the view (whole domain, default direction)" },
  { keys: "F", what: "fit the data (clip box) in view, keeping the direction" },
  { keys: "Space", what: "play or pause" },
  { keys: "← / →", what: "previous / next timestep" },
  { keys: "Home / End", what: "first / last timestep" },
  { keys: "M", what: "next render mode (composite, maximum intensity, isosurface)" },
  { keys: "C", what: "next colormap" },
  { keys: "I", what: "invert the colormap" },
  { keys: "L", what: "next value scale (linear, log, symlog)" },
  { keys: "1 / 2", what: "hide or show the left / right panel" },
  { keys: "S", what: "save a PNG screenshot" },
  { keys: "V", what: "record a WebM movie of playback (again to stop)" },
];

const MODES: RenderMode[] = ["composite", "mip", "iso"];
const SCALES = ["linear", "log", "symlog"] as const;

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el?.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
  if (el.tagName !== "INPUT") return false;
  const type = (el as HTMLInputElement).type;
  return !["checkbox", "radio", "button", "range", "color"].includes(type);
}

export function useShortcuts(engine: ViewerEngine | undefined, actions: ShortcutActions): void {
  const ref = useRef(actions);
  ref.current = actions;
  useEffect(() => {
    if (!engine) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const a = ref.current;
      const st = engine.state;
      const n = engine.info.times.length;
      const scalar = engine.field.kind === "scalar";
      // Range inputs keep their own arrows.
      const onRange = (e.target as HTMLInputElement | null)?.type === "range";
      const k = e.key;
      if (k === "?") a.toggleHelp();
      else if (k === "Escape") a.closeOverlays();
      else if (k === "r" || k === "R") resetView(engine);
      else if (k === "f" || k === "F") fitToData(engine);
      else if (k === " " && !(e.target instanceof HTMLButtonElement || e.target instanceof HTMLInputElement))
        engine.setPlayback({ playing: !engine.playback.playing });
      else if (k === "ArrowRight" && !onRange) engine.setState({ t: Math.min(n - 1, st.t + 1) });
      else if (k === "ArrowLeft" && !onRange) engine.setState({ t: Math.max(0, st.t - 1) });
      else if (k === "Home" && !onRange) engine.setState({ t: 0 });
      else if (k === "End" && !onRange) engine.setState({ t: n - 1 });
      else if ((k === "m" || k === "M") && scalar)
        engine.setState({ mode: MODES[(MODES.indexOf(st.mode) + 1) % MODES.length] });
      else if ((k === "c" || k === "C") && scalar)
        engine.setState({ colormap: COLORMAPS[(COLORMAPS.indexOf(st.colormap) + 1) % COLORMAPS.length] });
      else if ((k === "i" || k === "I") && scalar) engine.setState({ invert: !st.invert });
      else if ((k === "l" || k === "L") && scalar)
        engine.setState({ scale: SCALES[(SCALES.indexOf(st.scale) + 1) % SCALES.length] });
      else if (k === "1") a.toggleLeft();
      else if (k === "2") a.toggleRight();
      else if (k === "s" || k === "S") a.screenshot();
      else if (k === "v" || k === "V") a.record();
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [engine]);
}

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    close.current?.focus();
  }, []);
  return (
    <div
      className="help-overlay"
      role="dialog"
      aria-modal="true"
      aria-labelledby="help-title"
      data-testid="help-overlay"
    >
      <div className="help-box">
        <h2 id="help-title">Keyboard shortcuts</h2>
        <table className="kv">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.keys}>
                <th scope="row">
                  <kbd>{s.keys}</kbd>
                </th>
                <td>{s.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="dim">
          Mouse: drag to orbit, right-drag to pan, wheel to zoom, click to pick a voxel, Alt + drag for
          window/level (sideways: level, up/down: width). The transfer-function editor and the window/level
          bar take arrow keys when focused.
        </p>
        <button type="button" ref={close} onClick={onClose} data-testid="help-close">
          close
        </button>
      </div>
    </div>
  );
}
