// A picture on a canvas, with masks over it, that turns pointer gestures into prompts:
// click = positive point, shift-click or right-click = negative point, drag = box.
// Coordinates leave normalized to [0, 1].
import { h } from './dom.js';
import { paintMasks, type Overlay } from './masks.js';

export type Gesture =
  | { kind: 'point'; x: number; y: number; label: 'POSITIVE' | 'NEGATIVE' }
  | { kind: 'box'; x: number; y: number; w: number; h: number };

export interface Marker {
  x: number;
  y: number;
  positive: boolean;
}

const DRAG_PX = 6;

export class Stage {
  readonly canvas = h('canvas', { class: 'stage', width: 1, height: 1, 'data-testid': 'stage' });
  private image: HTMLImageElement | null = null;
  private overlays: Overlay[] = [];
  private markers: Marker[] = [];
  private boxes: { x: number; y: number; w: number; h: number }[] = [];
  private drag: { x0: number; y0: number; x1: number; y1: number } | null = null;
  /** Off: the picture alone (to compare, and for the tests to see what the masks add). */
  readonly showMasks = h('input', { type: 'checkbox', checked: true, 'data-testid': 'show-masks', onchange: () => this.draw() });

  constructor(private readonly onGesture: (g: Gesture) => void) {
    this.canvas.addEventListener('contextmenu', (e) => e.preventDefault());
    this.canvas.addEventListener('pointerdown', (e) => {
      const [x, y] = this.at(e);
      this.drag = { x0: x, y0: y, x1: x, y1: y };
      this.canvas.setPointerCapture(e.pointerId);
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (!this.drag) return;
      [this.drag.x1, this.drag.y1] = this.at(e);
      this.draw();
    });
    this.canvas.addEventListener('pointerup', (e) => {
      const d = this.drag;
      this.drag = null;
      if (!d || !this.image) return;
      [d.x1, d.y1] = this.at(e);
      const scale = this.canvas.getBoundingClientRect().width / this.canvas.width;
      const moved = Math.hypot(d.x1 - d.x0, d.y1 - d.y0) * scale;
      const W = this.canvas.width;
      const H = this.canvas.height;
      if (moved >= DRAG_PX) {
        const x = Math.min(d.x0, d.x1);
        const y = Math.min(d.y0, d.y1);
        this.onGesture({ kind: 'box', x: x / W, y: y / H, w: Math.abs(d.x1 - d.x0) / W, h: Math.abs(d.y1 - d.y0) / H });
      } else {
        this.onGesture({ kind: 'point', x: d.x1 / W, y: d.y1 / H, label: e.shiftKey || e.button === 2 ? 'NEGATIVE' : 'POSITIVE' });
      }
      this.draw();
    });
  }

  /** Pointer position in canvas pixels (the canvas is shown scaled by CSS). */
  private at(e: PointerEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    const x = ((e.clientX - r.left) / r.width) * this.canvas.width;
    const y = ((e.clientY - r.top) / r.height) * this.canvas.height;
    return [Math.max(0, Math.min(this.canvas.width, x)), Math.max(0, Math.min(this.canvas.height, y))];
  }

  setImage(img: HTMLImageElement): void {
    this.image = img;
    if (this.canvas.width !== img.naturalWidth || this.canvas.height !== img.naturalHeight) {
      this.canvas.width = img.naturalWidth;
      this.canvas.height = img.naturalHeight;
    }
    this.draw();
  }

  setOverlays(overlays: Overlay[], markers: Marker[] = [], boxes: { x: number; y: number; w: number; h: number }[] = []): void {
    this.overlays = overlays;
    this.markers = markers;
    this.boxes = boxes;
    this.draw();
  }

  draw(): void {
    const ctx = this.canvas.getContext('2d')!;
    const W = this.canvas.width;
    const H = this.canvas.height;
    ctx.clearRect(0, 0, W, H);
    if (!this.image) return;
    ctx.drawImage(this.image, 0, 0, W, H);
    if (this.showMasks.checked) paintMasks(ctx, this.overlays);
    const unit = Math.max(2, Math.round(Math.max(W, H) / 160));
    ctx.lineWidth = unit / 2;
    ctx.strokeStyle = '#fff';
    for (const b of this.boxes) ctx.strokeRect(b.x * W, b.y * H, b.w * W, b.h * H);
    for (const m of this.markers) {
      ctx.beginPath();
      ctx.arc(m.x * W, m.y * H, unit * 1.5, 0, 2 * Math.PI);
      ctx.fillStyle = m.positive ? '#1a7f37' : '#cf222e';
      ctx.fill();
      ctx.stroke();
    }
    if (this.drag) {
      ctx.setLineDash([unit * 2, unit]);
      ctx.strokeRect(this.drag.x0, this.drag.y0, this.drag.x1 - this.drag.x0, this.drag.y1 - this.drag.y0);
      ctx.setLineDash([]);
    }
  }
}

export function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`cannot load ${url}`));
    img.src = url;
  });
}
