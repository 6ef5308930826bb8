// Image -> the encoder's input tensor, per the manifest: square or longest-side resize to the
// input size, pixel scale, mean/std, zero padding bottom/right, NCHW float32.
import sharp from 'sharp';
import type { PixelSource } from './image-source.js';
import type { ModelManifest } from './manifest.js';

export interface ResizeGeometry {
  /** Size of the model input square. */
  inputSize: number;
  /** Size of the image inside the input (the rest is padding). */
  resizedWidth: number;
  resizedHeight: number;
}

export function resizeGeometry(pre: ModelManifest['preprocessing'], width: number, height: number): ResizeGeometry {
  const size = pre.inputSize;
  if (pre.resize === 'square') return { inputSize: size, resizedWidth: size, resizedHeight: size };
  const scale = size / Math.max(width, height);
  // As segment-anything's ResizeLongestSide.get_preprocess_shape: int(x * scale + 0.5).
  return { inputSize: size, resizedWidth: Math.floor(width * scale + 0.5), resizedHeight: Math.floor(height * scale + 0.5) };
}

/** Maps a point in image pixels to model input coordinates. */
export function toInputCoords(geom: ResizeGeometry, width: number, height: number, x: number, y: number): [number, number] {
  return [(x * geom.resizedWidth) / width, (y * geom.resizedHeight) / height];
}

export async function preprocess(source: PixelSource, pre: ModelManifest['preprocessing'], width: number, height: number): Promise<Float32Array> {
  const geom = resizeGeometry(pre, width, height);
  const img =
    source.kind === 'encoded'
      ? sharp(source.bytes, { limitInputPixels: false }).rotate()
      : sharp(source.data, { raw: { width: source.width, height: source.height, channels: source.channels } });
  const { data, info } = await img
    .removeAlpha()
    .toColourspace('srgb')
    // Bilinear, as the SAM / SAM 2 exports' own transforms resize (torchvision's default), and
    // about a third cheaper than sharp's default lanczos3.
    .resize(geom.resizedWidth, geom.resizedHeight, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const size = geom.inputSize;
  const plane = size * size;
  const out = new Float32Array(3 * plane); // zeros = padding, as the official SAM pipeline pads after normalising
  const k = pre.pixelScale / 255;
  const ch = info.channels;
  for (let c = 0; c < 3; c++) {
    const mean = pre.mean[c];
    const invStd = 1 / pre.std[c];
    const base = c * plane;
    for (let y = 0; y < info.height; y++) {
      let src = y * info.width * ch + c;
      const row = base + y * size;
      for (let x = 0; x < info.width; x++, src += ch) out[row + x] = (data[src] * k - mean) * invStd;
    }
  }
  return out;
}
