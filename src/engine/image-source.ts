// What the engine segments: an image it can read, identified by a stable content key.
export type PixelSource =
  | { kind: 'encoded'; bytes: Buffer }
  | { kind: 'raw'; data: Buffer; width: number; height: number; channels: 3 };

export interface ImageSource {
  /** Stable identity of the pixels (e.g. the sha256 of the file, plus a frame index). */
  key: string;
  /** Size after EXIF orientation: the coordinate space of prompts and masks. */
  width: number;
  height: number;
  pixels(): Promise<PixelSource>;
}

/** Points and boxes in pixels of the image; x right, y down, continuous coordinates. */
export interface ObjectPrompt {
  points: { x: number; y: number; positive: boolean }[];
  box?: { x0: number; y0: number; x1: number; y1: number };
  /** Low-res logits of an earlier mask of this object (the model's mask_input), if any. */
  maskInput?: Float32Array;
}
