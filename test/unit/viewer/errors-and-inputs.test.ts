import { describe, expect, it } from "vitest";
import { rejectForeign, sniffForeign } from "../../../src/reader/sniff";
import { FlatvoxError, isFlatvoxError } from "../../../src/shared/errors";
import { diagnoseOpenError, errorHeadline } from "../../../src/viewer/data/diagnose-error";
import { parseNumber } from "../../../src/viewer/ui/NumberField";

const text = (s: string) => new TextEncoder().encode(s);

describe("what the server sent instead of an .fvx file", () => {
  it("names HTML and JSON, and leaves other bytes to the format check", () => {
    expect(sniffForeign(text("\n  <!DOCTYPE html><html>"))?.kind).toBe("HTML");
    expect(sniffForeign(text('{"error":"no"}'))?.kind).toBe("JSON");
    expect(sniffForeign(new Uint8Array([0x89, 0x46, 0x56, 0x58, 0x0d, 0x0a, 0x1a, 0x0a]))).toBeUndefined();
    expect(sniffForeign(new Uint8Array([1, 2, 3, 4]))).toBeUndefined();
    expect(() => rejectForeign(text("<html><body>x</body></html>"), "http://h/x.fvx")).toThrow(
      /not an \.fvx file \(server returned HTML: "<html><body>x<\/body><\/html>…"\)/,
    );
  });
});

describe("open errors", () => {
  const unreachable = new FlatvoxError("OfflineError", "not cached and the server is unreachable", {
    url: "http://other:9/x.fvx",
  });

  it("an HTTP status reads as the status at the URL", () => {
    const e = new FlatvoxError("HttpError", "not found: HTTP 404", { status: 404, url: "http://h/a.fvx" });
    expect(errorHeadline(e)).toBe("HTTP 404 Not Found at http://h/a.fvx");
    expect(errorHeadline(new FlatvoxError("HttpError", "x", { status: 599, url: "u" }))).toBe(
      "HTTP 599 at u",
    );
    expect(errorHeadline(new FlatvoxError("FormatError", "x"))).toBeUndefined();
  });

  it("another site that answered opaquely is named as missing CORS headers, not offline", async () => {
    const e = await diagnoseOpenError(
      unreachable,
      "http://other:9/x.fvx",
      async () => new Response(null),
      "http://page",
    );
    expect(isFlatvoxError(e, "HttpError")).toBe(true);
    expect((e as FlatvoxError).message).toContain("without CORS headers");
    expect((e as FlatvoxError).context.cors).toBe("missing");
  });

  it("when the browser hides even that, both causes are named", async () => {
    const e = await diagnoseOpenError(
      unreachable,
      "http://other:9/x.fvx",
      async () => {
        throw new TypeError("Failed to fetch");
      },
      "http://page",
    );
    expect((e as FlatvoxError).message).toMatch(/did not answer, or it answered without CORS headers/);
    expect((e as FlatvoxError).context.cors).toBe("unknown");
  });

  it("same-site failures and other errors pass through unchanged", async () => {
    const probe = async () => new Response(null);
    expect(await diagnoseOpenError(unreachable, "http://page/x.fvx", probe, "http://page")).toBe(unreachable);
    const fmt = new FlatvoxError("FormatError", "bad");
    expect(await diagnoseOpenError(fmt, "http://other/x", probe, "http://page")).toBe(fmt);
  });
});

describe("typed numbers", () => {
  it("accepts complete numbers only, partial ones wait", () => {
    expect(parseNumber("0.45")).toBe(0.45);
    expect(parseNumber("1e-1")).toBe(0.1);
    expect(parseNumber(" -3 ")).toBe(-3);
    expect(parseNumber(".5")).toBe(0.5);
    for (const partial of ["", "-", "1e", "1e-", "0.4.", "abc", "Infinity"])
      expect(parseNumber(partial)).toBeUndefined();
  });
});
