/** Screenshot (PNG at a chosen size) and movie (WebM of playback) controls, in the top bar. */
import { useRef, useState } from "react";
import type { ViewerEngine } from "../stream/engine";
import {
  CaptureError,
  captureName,
  download,
  MAX_SCREENSHOT_SIDE,
  recordMovie,
  screenshotPng,
} from "./capture";
import { BoundedNumberInput } from "./controls";
import { exportClipBox } from "./export-region";

export interface Capture {
  size?: [number, number];
  setSize: (s: [number, number] | undefined) => void;
  screenshot: () => Promise<void>;
  toggleRecording: () => void;
  recording: boolean;
  busy: boolean;
  message?: string;
}

/** Canvas size in CSS pixels (the default screenshot size). */
function canvasSize(engine: ViewerEngine): [number, number] {
  const el = engine.viewport.renderer.domElement;
  return [Math.max(1, Math.round(el.clientWidth)), Math.max(1, Math.round(el.clientHeight))];
}

export function useCapture(engine: ViewerEngine | undefined): Capture {
  const [size, setSize] = useState<[number, number]>();
  const [recording, setRecording] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string>();
  const rec = useRef<{ stop: () => void }>(undefined);
  return {
    size,
    setSize,
    recording,
    busy,
    message,
    async screenshot() {
      if (!engine || busy) return;
      const [w, h] = size ?? canvasSize(engine);
      setBusy(true);
      setMessage(undefined);
      try {
        await engine.whenIdle();
        const blob = await screenshotPng(engine, w, h);
        download(blob, captureName(engine, "png"));
        setMessage(`saved ${w}×${h} PNG`);
      } catch (e) {
        setMessage(e instanceof CaptureError ? e.message : `screenshot failed: ${String(e)}`);
      } finally {
        setBusy(false);
      }
    },
    toggleRecording() {
      if (!engine) return;
      if (rec.current) {
        rec.current.stop();
        return;
      }
      try {
        const r = recordMovie(engine);
        rec.current = r;
        setRecording(true);
        setMessage("recording playback…");
        r.done.then(
          (blob) => {
            rec.current = undefined;
            setRecording(false);
            download(blob, captureName(engine, "webm"));
            setMessage(`saved ${(blob.size / 1024).toFixed(0)} KiB WebM`);
          },
          (e: unknown) => {
            rec.current = undefined;
            setRecording(false);
            setMessage(e instanceof Error ? e.message : String(e));
          },
        );
      } catch (e) {
        setMessage(e instanceof Error ? e.message : String(e));
      }
    },
  };
}

export function ExportControls({ engine, capture }: { engine: ViewerEngine; capture: Capture }) {
  const [w, h] = capture.size ?? canvasSize(engine);
  const side = (v: number) => Math.min(MAX_SCREENSHOT_SIDE, Math.max(1, Math.round(v || 1)));
  return (
    <details className="export" data-testid="export">
      <summary>export</summary>
      <div className="export-box">
        <div className="row">
          {(["width", "height"] as const).map((name, i) => (
            <label key={name}>
              {name}
              <BoundedNumberInput
                min={1}
                max={MAX_SCREENSHOT_SIDE}
                testId={`shot-${name}`}
                value={i === 0 ? w : h}
                onValue={(v) => capture.setSize(i === 0 ? [side(v), h] : [w, side(v)])}
              />
            </label>
          ))}
          <button type="button" onClick={() => capture.setSize(undefined)} title="the canvas's size">
            canvas size
          </button>
        </div>
        <div className="row">
          <button
            type="button"
            data-testid="screenshot-button"
            disabled={capture.busy}
            onClick={() => void capture.screenshot()}
            title="save a PNG (key S)"
          >
            save PNG
          </button>
          <button
            type="button"
            data-testid="record-button"
            aria-pressed={capture.recording}
            onClick={capture.toggleRecording}
            title="record playback from the first step to the last as WebM (key V)"
          >
            {capture.recording ? "■ stop recording" : "● record movie"}
          </button>
        </div>
        <RegionExportRow engine={engine} />
        {capture.message && (
          <div className="dim" role="status" data-testid="export-status">
            {capture.message}
          </div>
        )}
      </div>
    </details>
  );
}

const REGION_FORMATS = [
  {
    format: "npy",
    label: "clip box .npy",
    title: "the clip box at this timestep, full resolution, as NumPy .npy (shape nz, ny, nx)",
  },
  {
    format: "csv",
    label: "clip box CSV",
    title: "the clip box at this timestep as CSV x,y,z,value (small boxes)",
  },
] as const;

/** The clip box at the current step as .npy or CSV (the values `readRegion` returns). */
function RegionExportRow({ engine }: { engine: ViewerEngine }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string>();
  const run = async (format: "npy" | "csv") => {
    setBusy(true);
    setMessage(undefined);
    try {
      const r = await exportClipBox(engine.ds, engine.field.name, engine.state.t, engine.state.clip, format);
      const type = format === "npy" ? "application/octet-stream" : "text/csv";
      download(new Blob([r.bytes as BlobPart], { type }), r.name);
      setMessage(`saved ${r.voxels} voxels (${r.box.min.join(",")} to ${r.box.max.join(",")}) as ${format}`);
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <div className="row">
        {REGION_FORMATS.map((f) => (
          <button
            key={f.format}
            type="button"
            data-testid={`export-${f.format}`}
            disabled={busy}
            onClick={() => void run(f.format)}
            title={f.title}
          >
            {f.label}
          </button>
        ))}
      </div>
      {message && (
        <div className="dim" role="status" data-testid="export-region-status">
          {message}
        </div>
      )}
    </>
  );
}
