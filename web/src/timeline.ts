// One cell per frame: which frames have masks (done), which are empty, where we are.
import { h } from './dom.js';

export class Timeline {
  readonly element = h('canvas', { class: 'timeline', height: 16, 'data-testid': 'timeline', 'data-done-frames': '0', title: 'Frames with masks; click to go there' });
  private readonly state: Uint8Array; // 0 none, 1 empty, 2 masks
  private current = 0;

  constructor(private readonly frames: number, onSeek: (frame: number) => void) {
    this.state = new Uint8Array(frames);
    this.element.width = Math.min(2000, Math.max(frames, 300));
    this.element.addEventListener('click', (e) => {
      const r = this.element.getBoundingClientRect();
      onSeek(Math.floor(((e.clientX - r.left) / r.width) * this.frames));
    });
    this.draw();
  }

  reset(): void {
    this.state.fill(0);
    this.draw();
  }

  mark(frame: number, hasMask: boolean): void {
    this.state[frame] = hasMask ? 2 : 1;
    this.element.dataset.doneFrames = String(this.doneCount());
    this.draw();
  }

  doneCount(): number {
    return this.state.reduce((n, s) => n + (s ? 1 : 0), 0);
  }

  setCurrent(frame: number): void {
    this.current = frame;
    this.draw();
  }

  private draw(): void {
    const ctx = this.element.getContext('2d')!;
    const { width: W, height: H } = this.element;
    const cell = W / this.frames;
    ctx.fillStyle = '#30363d';
    ctx.fillRect(0, 0, W, H);
    for (let i = 0; i < this.frames; i++) {
      if (!this.state[i]) continue;
      ctx.fillStyle = this.state[i] === 2 ? '#2ea043' : '#8b949e';
      ctx.fillRect(i * cell, 0, Math.max(1, cell), H);
    }
    ctx.fillStyle = '#f0f6fc';
    ctx.fillRect(this.current * cell, 0, Math.max(2, cell), H);
  }
}
