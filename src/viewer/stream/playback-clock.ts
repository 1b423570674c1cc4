/**
 * Playback on a fixed clock. Step k is due at start + k·period, whenever the
 * previous step happened: a step that waits for its data does not push the
 * following ones back, so the achieved rate is the requested one whenever
 * frames and data keep up. A step late by more than a whole period (data
 * was slow) restarts the clock instead of racing to catch up.
 */
export interface Playback {
  playing: boolean;
  loop: boolean;
  /** Timesteps per second. */
  speed: number;
  direction: 1 | -1;
}

export const DEFAULT_PLAYBACK: Playback = { playing: false, loop: true, speed: 2, direction: 1 };

export class PlaybackClock {
  state: Playback = { ...DEFAULT_PLAYBACK };
  /** When the next step is due (performance.now() time). */
  nextDue = 0;

  constructor(private readonly steps: number) {}

  get period(): number {
    return 1000 / this.state.speed;
  }

  /**
   * Apply a change. Returns the timestep to jump to first, if any: play at
   * the last step (first, backwards) without looping starts over, as a media
   * player does.
   */
  set(p: Partial<Playback>, t: number, now: number): number | undefined {
    const prev = this.state;
    this.state = { ...prev, ...p };
    const s = this.state;
    let jump: number | undefined;
    if (s.playing && !prev.playing && !s.loop) {
      const end = s.direction === 1 ? this.steps - 1 : 0;
      if (t === end) jump = s.direction === 1 ? 0 : this.steps - 1;
    }
    if (s.playing && (!prev.playing || s.speed !== prev.speed)) this.nextDue = now + this.period;
    return jump;
  }

  /**
   * The step to show at `now` given the current one, or undefined when none
   * is due (or the current one is not on screen yet: `ready`). Reaching the
   * end without looping stops playback.
   */
  tick(t: number, now: number, ready: boolean): number | undefined {
    const s = this.state;
    if (!s.playing || this.steps < 2 || now < this.nextDue || !ready) return undefined;
    let next = t + s.direction;
    if (next >= this.steps || next < 0) {
      if (s.loop) next = (next + this.steps) % this.steps;
      else {
        this.state = { ...s, playing: false };
        return undefined;
      }
    }
    this.nextDue = now - this.nextDue > this.period ? now + this.period : this.nextDue + this.period;
    return next;
  }
}
