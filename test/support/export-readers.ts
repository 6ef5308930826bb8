// Readers of exported files written for the tests, independent of the server's code: COCO RLE
// strings (as pycocotools decodes them), indexed PNGs, zips (yauzl) and decoded video (ffmpeg).
import { spawnSync } from 'node:child_process';
import { inflateSync } from 'node:zlib';
import yauzl from 'yauzl';

/**
 * pycocotools' rleFrString: the compressed counts string -> run lengths (5 bits per char, offset
 * 48, 0x20 = more chars follow, 0x10 of the last char = sign; counts[i] += counts[i-2] for i > 2).
 */
export function countsFromString(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      const c = s.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2]!;
    counts.push(x);
  }
  return counts;
}

/** A COCO RLE ({size: [h, w], counts}) -> a row-major 0/1 mask. */
export function readRle(rle: { size: number[]; counts: string }): Uint8Array {
  const [h, w] = rle.size as [number, number];
  const out = new Uint8Array(h * w);
  let pos = 0;
  countsFromString(rle.counts).forEach((n, i) => {
    if (i % 2 === 1) for (let j = pos; j < pos + n; j++) out[(j % h) * w + Math.floor(j / h)] = 1;
    pos += n;
  });
  if (pos !== h * w) throw new Error(`RLE covers ${pos} pixels, not ${h * w}`);
  return out;
}

/** An 8-bit indexed PNG: its index per pixel and its palette. */
export function readIndexedPng(png: Buffer): { width: number; height: number; indices: Uint8Array; palette: [number, number, number][] } {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let p = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  const palette: [number, number, number][] = [];
  while (p < png.length) {
    const len = png.readUInt32BE(p);
    const type = png.toString('latin1', p + 4, p + 8);
    const data = png.subarray(p + 8, p + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 3) throw new Error(`not 8-bit indexed (depth ${data[8]}, colour type ${data[9]})`);
    } else if (type === 'PLTE') {
      for (let i = 0; i < len; i += 3) palette.push([data[i]!, data[i + 1]!, data[i + 2]!]);
    } else if (type === 'IDAT') idat.push(data);
    p += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const indices = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)]!;
    for (let x = 0; x < width; x++) {
      const v = raw[y * (width + 1) + 1 + x]!;
      const a = x > 0 ? indices[y * width + x - 1]! : 0;
      const b = y > 0 ? indices[(y - 1) * width + x]! : 0;
      const c = x > 0 && y > 0 ? indices[(y - 1) * width + x - 1]! : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      indices[y * width + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, indices, palette };
}

/** Every file of a zip, by name. */
export function readZip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const parts: Buffer[] = [];
          stream.on('data', (d: Buffer) => parts.push(d));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(parts));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** Decodes a video to packed frames (rgb24 or rgba); `decoder` forces one (libvpx-vp9 keeps alpha). */
export function decodeVideo(bins: { ffmpeg: string; ffprobe: string }, file: string, pixFmt: 'rgb24' | 'rgba', decoder?: string): Buffer[] {
  const v = probeStreams(bins.ffprobe, file).find((s) => s.codec_type === 'video')!;
  const r = spawnSync(bins.ffmpeg, ['-v', 'error', ...(decoder ? ['-c:v', decoder] : []), '-i', file, '-map', '0:v:0', '-f', 'rawvideo', '-pix_fmt', pixFmt, 'pipe:1'], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ffmpeg could not decode ${file}: ${r.stderr}`);
  const size = v.width! * v.height! * (pixFmt === 'rgba' ? 4 : 3);
  const frames: Buffer[] = [];
  for (let o = 0; o + size <= r.stdout.length; o += size) frames.push(r.stdout.subarray(o, o + size));
  return frames;
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  nb_read_frames?: string;
  avg_frame_rate?: string;
  duration?: string;
  pix_fmt?: string;
  tags?: Record<string, string>;
}

export function probeStreams(ffprobe: string, file: string, countFrames = false): ProbedStream[] {
  const r = spawnSync(ffprobe, ['-v', 'error', ...(countFrames ? ['-count_frames'] : []), '-show_streams', '-show_format', '-of', 'json', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffprobe failed on ${file}: ${r.stderr}`);
  const j = JSON.parse(r.stdout) as { streams: ProbedStream[]; format: { duration?: string } };
  return j.streams.map((s) => ({ ...s, duration: s.duration ?? j.format.duration }));
}

export function iouOf(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ? 1 : 0;
    const y = b[i] ? 1 : 0;
    inter += x & y;
    union += x | y;
  }
  return union ? inter / union : 1;
}
