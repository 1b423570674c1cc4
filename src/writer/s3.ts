/**
 * Object storage for the writers: `s3://bucket/key` outputs and inputs
 * through the AWS SDK v3, for AWS S3 and S3-compatible stores.
 *
 * `S3Sink` streams a dataset as a multipart upload. The writers append front
 * to back and write the 64 KiB open block last, at offset 0, while S3 parts
 * are immutable once sent; so the sink holds the object's first part (which
 * contains the open block) in memory, sends every later part as it fills,
 * and sends the first part just before completing the upload. Part sizes
 * start at `partSize` (default 16 MiB) and double every 1000 parts up to
 * 512 MiB, so an object of about 3 TB fits S3's 10 000 parts.
 *
 * `copyRange` appends a byte range of another object without the bytes
 * passing through this process: an `UploadPartCopy` done by the store
 * (merge of parts already in the bucket). S3 wants every part but the last
 * to be at least 5 MiB, so bytes needed to fill a part up to that size are
 * read and sent by the client (at most one part's worth per copied range),
 * and a store that does not implement UploadPartCopy gets the whole range
 * read and uploaded instead; `stats` says which bytes went which way.
 *
 * The sink drives the multipart calls itself rather than through
 * lib-storage's `Upload`: that one numbers parts in stream order, and here
 * the first part is known last.
 *
 * Configuration: the SDK's usual environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_PROFILE, ...),
 * plus an endpoint (`--s3-endpoint`, or AWS_ENDPOINT_URL_S3 /
 * AWS_ENDPOINT_URL) for other stores, addressed path-style.
 */
import type { CompletedPart, S3Client } from "@aws-sdk/client-s3";
import { FlatvoxError } from "../shared/errors";

export const MIN_PART = 5 << 20;
const MAX_PART_SIZE = 512 << 20;
const MAX_COPY_PART = 5 * 1024 ** 3;
const MAX_PARTS = 10_000;
const MAX_INFLIGHT = 4;

export interface S3Options {
  /** Endpoint of an S3-compatible store (path-style addressing). Default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS. */
  endpoint?: string;
  /** Size of the first parts in bytes (at least 5 MiB). Default 16 MiB. */
  partSize?: number;
  /** A client to use instead of one made from the options and environment. */
  client?: S3Client;
}

export interface S3Location {
  bucket: string;
  key: string;
}

export function isS3Url(s: string): boolean {
  return /^s3:\/\//i.test(s);
}

export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/(.+)$/i.exec(url);
  if (!m) throw new FlatvoxError("InputError", `${url}: an S3 location is s3://bucket/key`);
  return { bucket: m[1], key: m[2] };
}

export function s3Endpoint(opts: S3Options = {}): string | undefined {
  return opts.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL ?? undefined;
}

const clients = new Map<string, Promise<S3Client>>();

/** One client per endpoint (credentials and region from the SDK's default chain). */
export function s3Client(opts: S3Options = {}): Promise<S3Client> {
  if (opts.client) return Promise.resolve(opts.client);
  const endpoint = s3Endpoint(opts);
  const key = endpoint ?? "";
  let c = clients.get(key);
  if (!c) {
    c = import("@aws-sdk/client-s3").then(
      ({ S3Client }) =>
        new S3Client({
          region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
          ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
          // Checksums only where S3 requires them: S3-compatible stores often cannot check the newer trailing ones.
          requestChecksumCalculation: "WHEN_REQUIRED",
          responseChecksumValidation: "WHEN_REQUIRED",
        }),
    );
    clients.set(key, c);
  }
  return c;
}

function s3Error(what: string, url: string, e: unknown): FlatvoxError {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return new FlatvoxError(
    "HttpError",
    `${what} ${url}: ${err.name ?? "Error"}: ${err.message ?? String(e)}`,
    {
      url,
      status: err.$metadata?.httpStatusCode,
      cause: e,
    },
  );
}

/** Bytes [start, end) of an object. */
export async function s3GetRange(
  url: string,
  start: number,
  end: number,
  opts: S3Options = {},
): Promise<Uint8Array> {
  if (end <= start) return new Uint8Array(0);
  const { GetObjectCommand } = await import("@aws-sdk/client-s3");
  const { bucket, key } = parseS3Url(url);
  const client = await s3Client(opts);
  let bytes: Uint8Array;
  try {
    const r = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end - 1}` }),
    );
    bytes = await r.Body!.transformToByteArray();
  } catch (e) {
    throw s3Error(`cannot read bytes ${start}-${end - 1} of`, url, e);
  }
  if (bytes.length !== end - start)
    throw new FlatvoxError("TruncatedError", `${url}: wanted ${end - start} bytes, got ${bytes.length}`, {
      offset: start,
      length: end - start,
      url,
    });
  return bytes;
}

/** The object's size and ETag. */
export async function s3Head(url: string, opts: S3Options = {}): Promise<{ size: number; etag?: string }> {
  const { HeadObjectCommand } = await import("@aws-sdk/client-s3");
  const { bucket, key } = parseS3Url(url);
  const client = await s3Client(opts);
  try {
    const r = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { size: r.ContentLength ?? 0, etag: r.ETag };
  } catch (e) {
    throw s3Error("cannot find", url, e);
  }
}

/** A presigned GET URL: plain HTTP range reads of the object for `seconds` (the flatvox reader opens it like any URL). */
export async function s3ReadUrl(url: string, opts: S3Options = {}, seconds = 3600): Promise<string> {
  const [{ GetObjectCommand }, { getSignedUrl }] = await Promise.all([
    import("@aws-sdk/client-s3"),
    import("@aws-sdk/s3-request-presigner"),
  ]);
  const { bucket, key } = parseS3Url(url);
  const client = await s3Client(opts);
  return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: seconds });
}

export interface S3SinkStats {
  /** Bytes this process sent. */
  uploadedBytes: number;
  /** Bytes the store copied from other objects (never seen by this process). */
  serverCopiedBytes: number;
  /** Bytes of other objects this process read to fill parts to S3's 5 MiB minimum, or because the store cannot copy. */
  downloadedBytes: number;
  /** Why server-side copies stopped, if they did. */
  copyFallback?: string;
  parts: number;
}

export class S3Sink {
  position = 0;
  readonly stats: S3SinkStats = { uploadedBytes: 0, serverCopiedBytes: 0, downloadedBytes: 0, parts: 0 };
  private readonly loc: S3Location;
  private readonly base: number;
  /** Part 1: bytes [0, base), sent last (it holds the open block). */
  private readonly head: Uint8Array;
  private cur: Uint8Array | undefined;
  private curLen = 0;
  /** Number of the next part after the head. */
  private nextPart = 2;
  private uploadId: Promise<string> | undefined;
  private readonly done: CompletedPart[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private failure: unknown;
  private canCopy = true;

  constructor(
    private readonly url: string,
    private readonly opts: S3Options = {},
    start = 0,
  ) {
    this.loc = parseS3Url(url);
    this.base = opts.partSize ?? 16 << 20;
    if (!(this.base >= MIN_PART && this.base <= MAX_PART_SIZE))
      throw new FlatvoxError("InputError", `S3 part size must be 5–512 MiB, got ${this.base} bytes`);
    this.head = new Uint8Array(this.base);
    this.position = start;
  }

  private partSize(n: number): number {
    return Math.min(MAX_PART_SIZE, this.base * 2 ** Math.floor((n - 1) / 1000));
  }

  append(bytes: Uint8Array): number {
    const at = this.position;
    let i = 0;
    if (this.position < this.base) {
      const n = Math.min(bytes.length, this.base - this.position);
      this.head.set(bytes.subarray(0, n), this.position);
      this.position += n;
      i = n;
    }
    while (i < bytes.length) {
      if (!this.cur) {
        this.cur = new Uint8Array(this.partSize(this.nextPart));
        this.curLen = 0;
      }
      const n = Math.min(bytes.length - i, this.cur.length - this.curLen);
      this.cur.set(bytes.subarray(i, i + n), this.curLen);
      this.curLen += n;
      this.position += n;
      i += n;
      if (this.curLen === this.cur.length) this.sendCurrent();
    }
    return at;
  }

  flush(): void {}
  close(): void {}

  writeAt(position: number, bytes: Uint8Array): void {
    if (position + bytes.length > Math.min(this.base, this.position))
      throw new Error(`S3 sink: positional write at ${position} outside the held first part`); // a writer bug
    this.head.set(bytes, position);
  }

  private upload(): Promise<string> {
    if (!this.uploadId) {
      this.uploadId = (async () => {
        const { CreateMultipartUploadCommand } = await import("@aws-sdk/client-s3");
        const client = await s3Client(this.opts);
        try {
          const r = await client.send(
            new CreateMultipartUploadCommand({ Bucket: this.loc.bucket, Key: this.loc.key }),
          );
          return r.UploadId!;
        } catch (e) {
          throw s3Error("cannot start an upload to", this.url, e);
        }
      })();
    }
    return this.uploadId;
  }

  private track(p: Promise<void>): void {
    const t = p.catch((e) => {
      this.failure ??= e;
    });
    const d = t.finally(() => this.inflight.delete(d));
    this.inflight.add(d);
  }

  private takePart(): number {
    const n = this.nextPart++;
    if (n > MAX_PARTS)
      throw new FlatvoxError(
        "LimitError",
        `${this.url}: more than ${MAX_PARTS} parts; raise the S3 part size`,
      );
    return n;
  }

  private sendCurrent(): void {
    if (!this.cur || this.curLen === 0) return;
    const bytes = this.cur.subarray(0, this.curLen);
    this.cur = undefined;
    this.curLen = 0;
    this.track(this.sendPart(this.takePart(), bytes));
  }

  /** The client, and the fields that name part `n` of this multipart upload. */
  private async partOf(n: number) {
    const [client, id] = await Promise.all([s3Client(this.opts), this.upload()]);
    return { client, part: { Bucket: this.loc.bucket, Key: this.loc.key, UploadId: id, PartNumber: n } };
  }

  private async sendPart(n: number, bytes: Uint8Array): Promise<void> {
    const { UploadPartCommand } = await import("@aws-sdk/client-s3");
    const { client, part } = await this.partOf(n);
    try {
      const r = await client.send(
        new UploadPartCommand({
          ...part,
          Body: bytes,
          ContentLength: bytes.length,
        }),
      );
      this.done.push({ PartNumber: n, ETag: r.ETag });
      this.stats.uploadedBytes += bytes.length;
      this.stats.parts++;
    } catch (e) {
      throw s3Error(`cannot upload part ${n} of`, this.url, e);
    }
  }

  /** Resolves once few enough parts are in flight; rethrows a failed upload. */
  async ready(): Promise<void> {
    while (this.inflight.size >= MAX_INFLIGHT) await Promise.race(this.inflight);
    if (this.failure) throw this.failure;
  }

  /**
   * Append bytes [start, end) of the object `source` (s3://bucket/key);
   * returns the offset they start at. The store copies them when it can.
   */
  async copyRange(source: string, start: number, end: number): Promise<number> {
    const at = this.position;
    let s = start;
    const download = async (n: number) => {
      const bytes = await s3GetRange(source, s, s + n, this.opts);
      this.stats.downloadedBytes += n;
      this.append(bytes);
      s += n;
      await this.ready();
    };
    // The held first part and a partly filled part are completed with bytes from the range.
    if (s < end && this.position < this.base) await download(Math.min(end - s, this.base - this.position));
    if (s < end && this.cur) await download(Math.min(end - s, this.cur.length - this.curLen));
    if (s < end && end - s >= MIN_PART && this.canCopy) {
      const src = parseS3Url(source);
      const chunks = Math.ceil((end - s) / MAX_COPY_PART);
      const step = Math.ceil((end - s) / chunks);
      let first = true;
      while (s < end) {
        const e = Math.min(end, s + step);
        const n = this.takePart();
        const copy = this.copyPart(n, src, s, e);
        if (first) {
          // The first copy tells whether the store can copy at all.
          first = false;
          const ok = await copy;
          if (!ok) {
            this.nextPart--;
            break;
          }
        } else this.track(copy.then(() => undefined));
        this.position += e - s;
        s = e;
        await this.ready();
      }
    }
    while (s < end) await download(Math.min(end - s, this.base));
    return at;
  }

  /** Whether the store copied; false (and copies stop) when it does not implement UploadPartCopy. */
  private async copyPart(n: number, src: S3Location, start: number, end: number): Promise<boolean> {
    const { UploadPartCopyCommand } = await import("@aws-sdk/client-s3");
    const { client, part } = await this.partOf(n);
    try {
      const r = await client.send(
        new UploadPartCopyCommand({
          ...part,
          CopySource: `${src.bucket}/${encodeURIComponent(src.key).replace(/%2F/g, "/")}`,
          CopySourceRange: `bytes=${start}-${end - 1}`,
        }),
      );
      this.done.push({ PartNumber: n, ETag: r.CopyPartResult?.ETag });
      this.stats.serverCopiedBytes += end - start;
      this.stats.parts++;
      return true;
    } catch (e) {
      const err = e as { name?: string; $metadata?: { httpStatusCode?: number }; message?: string };
      if (err.name === "NotImplemented" || err.$metadata?.httpStatusCode === 501) {
        this.canCopy = false;
        this.stats.copyFallback = `the store does not implement UploadPartCopy (${err.message ?? err.name}); part bytes are read and uploaded instead`;
        return false;
      }
      throw s3Error(
        `cannot copy bytes ${start}-${end - 1} of s3://${src.bucket}/${src.key} into`,
        this.url,
        e,
      );
    }
  }

  /**
   * Complete the upload: the object appears (or is replaced) whole, in one
   * step. `ifMatch`: only if the object's ETag is still this one (S3's
   * conditional write; the store answers 412 when another writer came first).
   */
  async commit(cond: { ifMatch?: string } = {}): Promise<void> {
    const ifMatch = cond.ifMatch ? { IfMatch: cond.ifMatch } : {};
    const { PutObjectCommand, CompleteMultipartUploadCommand } = await import("@aws-sdk/client-s3");
    const client = await s3Client(this.opts);
    if (!this.uploadId && this.position <= this.base) {
      // Small enough for one request.
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: this.loc.bucket,
            Key: this.loc.key,
            Body: this.head.subarray(0, this.position),
            ContentLength: this.position,
            ...ifMatch,
          }),
        );
        this.stats.uploadedBytes += this.position;
        this.stats.parts = 1;
        return;
      } catch (e) {
        throw s3Error("cannot write", this.url, e);
      }
    }
    this.sendCurrent();
    this.track(this.sendPart(1, this.head));
    while (this.inflight.size > 0) await Promise.race(this.inflight);
    if (this.failure) throw this.failure;
    const id = await this.upload();
    const parts = [...this.done].sort((a, b) => a.PartNumber! - b.PartNumber!);
    try {
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.loc.bucket,
          Key: this.loc.key,
          UploadId: id,
          MultipartUpload: { Parts: parts },
          ...ifMatch,
        }),
      );
    } catch (e) {
      throw s3Error("cannot complete the upload to", this.url, e);
    }
  }

  async abandon(): Promise<void> {
    try {
      while (this.inflight.size > 0) await Promise.race(this.inflight);
      if (!this.uploadId) return;
      const id = await this.uploadId;
      const { AbortMultipartUploadCommand } = await import("@aws-sdk/client-s3");
      const client = await s3Client(this.opts);
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: this.loc.bucket, Key: this.loc.key, UploadId: id }),
      );
    } catch {}
  }
}
