/**
 * When the viewport draws: frames are drawn on request only, one animation
 * frame after the request, with three rules.
 *
 * - A frame asked for by arriving data waits until the page has been idle as
 *   long as the last frame took (≤ 500 ms): slow software GL must not starve
 *   networking and decoding. An urgent frame (input, a time switch, a due
 *   playback step) does not wait, not even behind such a held-back frame.
 * - An urgent frame that finds the GPU busy with the previous frame is drawn
 *   as soon as that frame is done (not whenever the next data frame comes).
 * - Before a `deadline` (playback: when the next step is due), a frame nobody
 *   urged is drawn only when it is expected to be done by then, so the GPU is
 *   free for the step.
 * A request made while a frame is being prepared is drawn by that frame (it
 * is not urgent again): the playback clock stepping inside a frame does not
 * ask for a second one.
 */

export interface FrameTimers {
  now(): number;
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(h: unknown): void;
  animationFrame(f: () => void): void;
}

/** What the scheduler reads of the viewport when it decides. */
export interface FrameHost {
  /** Called on the animation frame; the host draws or, while the GPU is busy, only prepares. */
  draw(): void;
  /** The previous frame is still on the GPU. */
  readonly gpuBusy: boolean;
  /** The user is dragging the camera: no frame waits. */
  readonly interacting: boolean;
  /** The next frame is a quick one (a time step's first frame). */
  readonly quick: boolean;
  /** Wall time of the last frame, GPU included. */
  readonly lastFrameMs: number;
  /** When the last frame was done. */
  readonly lastDrawEnd: number;
  /** Expected cost of the next frame at the current resolution. */
  readonly expectedMs: number;
}

export const BROWSER_TIMERS: FrameTimers = {
  now: () => performance.now(),
  setTimeout: (f, ms) => setTimeout(f, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  animationFrame: (f) => requestAnimationFrame(() => f()),
};

export class FrameRequests {
  /** See the module comment; undefined when no urgent frame is due at a known time. */
  deadline?: number;
  private pending = false;
  private urgent = false;
  private idleTimer?: unknown;
  private afterFlight = false;
  private preparing = false;

  constructor(
    private readonly host: FrameHost,
    private readonly timers: FrameTimers = BROWSER_TIMERS,
  ) {}

  /** Ask for a frame (see the module comment). */
  request(urgent = false): void {
    if (urgent && !this.preparing) this.urgent = true;
    if (this.pending && !(this.urgent && this.idleTimer !== undefined)) return;
    this.cancelIdle();
    this.pending = true;
    const h = this.host;
    const wait =
      h.interacting || this.urgent ? 0 : Math.min(500, h.lastFrameMs) - (this.timers.now() - h.lastDrawEnd);
    const go = () => {
      this.idleTimer = undefined;
      this.timers.animationFrame(() => this.fire());
    };
    if (wait > 4) this.idleTimer = this.timers.setTimeout(go, wait);
    else go();
  }

  /** Run `prepare` (the engine's per-frame work) as the preparation of the frame being drawn. */
  preparingFrame(prepare: () => void): void {
    this.preparing = true;
    try {
      prepare();
    } finally {
      this.preparing = false;
    }
  }

  /** The frame on the GPU is done: an urgent frame that waited for it goes now. */
  frameDone(): void {
    if (!this.afterFlight) return;
    this.afterFlight = false;
    this.request(true);
  }

  dispose(): void {
    this.cancelIdle();
  }

  private fire(): void {
    this.pending = false;
    const urgent = this.urgent;
    this.urgent = false;
    const h = this.host;
    if (urgent && h.gpuBusy) this.afterFlight = true;
    if (!urgent && !h.quick && this.deadline !== undefined) {
      const now = this.timers.now();
      if (now < this.deadline && now + h.expectedMs > this.deadline) return;
    }
    h.draw();
  }

  private cancelIdle(): void {
    if (this.idleTimer === undefined) return;
    this.timers.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}
