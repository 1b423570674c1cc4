/**
 * Opening a local `.fvx`: a file picker, and a drop anywhere on the page.
 * The file is read where it is, range by range (BlobSource), never uploaded.
 */
import { useEffect, useState } from "react";

export function useFileDrop(onFile: (file: File) => void): boolean {
  const [over, setOver] = useState(false);
  useEffect(() => {
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") ?? false;
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setOver(true);
    };
    const leave = (e: DragEvent) => {
      if (e.relatedTarget === null) setOver(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setOver(false);
      const file = e.dataTransfer?.files[0];
      if (file) onFile(file);
    };
    window.addEventListener("dragenter", enter);
    window.addEventListener("dragover", enter);
    window.addEventListener("dragleave", leave);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragenter", enter);
      window.removeEventListener("dragover", enter);
      window.removeEventListener("dragleave", leave);
      window.removeEventListener("drop", drop);
    };
  }, [onFile]);
  return over;
}

export function LocalFilePicker(props: { onFile: (file: File) => void; dragging: boolean }) {
  return (
    <div className={`local-file${props.dragging ? " dragging" : ""}`} data-testid="local-file">
      <label>
        Open a local .fvx file{" "}
        <input
          type="file"
          accept=".fvx,application/octet-stream"
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            if (f) props.onFile(f);
          }}
        />
      </label>{" "}
      <span className="dim">or drop one anywhere on the page; it is read in place, never uploaded.</span>
    </div>
  );
}
