// What a file is, from its first bytes: the video containers accepted (MP4/MOV, Matroska/WebM)
// and those refused by name; HEIF/AVIF images are not videos.

/** The video containers this server accepts, for messages. */
export const ACCEPTED_VIDEO = 'MP4, MOV, WebM or Matroska';

/**
 * ISO-BMFF brands of still images (HEIF, AVIF and their sequences): an `ftyp` box with one of
 * these is an image for sharp, not an MP4 for ffmpeg.
 */
const IMAGE_BRANDS = new Set(['avif', 'avis', 'heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'mif2', 'msf1', 'miaf']);

/** Recognise mp4/mov and Matroska/WebM from their first bytes (HEIF/AVIF images are not videos). */
export function sniffVideoContainer(head: Buffer): 'mp4' | 'matroska' | undefined {
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) return 'matroska';
  if (head.length >= 8) {
    const box = head.toString('latin1', 4, 8);
    if (box === 'ftyp' && head.length >= 12 && IMAGE_BRANDS.has(head.toString('latin1', 8, 12))) return undefined;
    if (['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].includes(box)) return 'mp4';
  }
  return undefined;
}

/** Video containers recognised by their first bytes and refused (named in the error). */
export function sniffRefusedVideo(head: Buffer): string | undefined {
  const ascii = (a: number, b: number) => head.toString('latin1', a, b);
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'AVI ') return 'AVI';
  if (head.length >= 4 && ascii(0, 4) === 'FLV\x01') return 'FLV';
  if (head.length >= 4 && ascii(0, 4) === 'OggS') return 'Ogg';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x3026b275) return 'ASF/WMV';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x000001ba) return 'MPEG-PS';
  if (head.length >= 189 && head[0] === 0x47 && head[188] === 0x47) return 'MPEG-TS';
  return undefined;
}
