export {
  type BinaryMask,
  assertBinaryMask,
  binaryMaskFromRows,
  binaryMasksEqual,
  cloneBinaryMask,
  createBinaryMask,
} from './binary-mask.js';
export {
  type AnyRle,
  type Bbox,
  type CocoRle,
  type UncompressedRle,
  compressCounts,
  decodeRle,
  decompressCounts,
  encodeRle,
  encodeRleWithStats,
  rleArea,
  rleToBbox,
  uncompressedCounts,
} from './coco-rle.js';
export { iou, maskArea, maskBbox } from './mask-stats.js';
export { type Polygon, type PolygonOptions, maskToPolygons, rasterizePolygons } from './polygons.js';
export { type LogitsToMaskOptions, logitsToMask, resizeBilinear } from './upsample.js';
