import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'COCO run-length encoding, compatible with pycocotools (column-major, compressed counts).' })
export class CocoRle {
  @Field(() => [Int], { description: '[height, width]' }) size: number[];
  @Field() counts: string;
}

@ObjectType()
export class Mask {
  @Field(() => CocoRle) rle: CocoRle;
  @Field(() => [Float], { description: '[x, y, w, h] in pixels' }) bbox: number[];
  @Field(() => Int, { description: 'Pixels in the mask' }) area: number;
  @Field(() => Float, { description: 'The model’s predicted IoU for this mask' }) score: number;
  @Field(() => [[Float]], { nullable: true, description: 'Outer contours as flat [x1, y1, x2, y2, ...] lists, when asked' })
  polygons?: number[][] | null;
}

@ObjectType()
export class SegmentedObject {
  @Field(() => Int, { description: 'Position of the object in input.objects' }) index: number;
  @Field(() => String, { nullable: true }) label: string | null;
  @Field(() => Mask, { description: 'The best mask' }) mask: Mask;
  @Field(() => [Mask], { description: 'All masks returned, best first (one unless multimask)' }) masks: Mask[];
}

@ObjectType()
export class Timings {
  @Field(() => Float, { description: '0 when the embedding came from cache' }) encodeMs: number;
  @Field(() => Float) decodeMs: number;
  @Field(() => Float) postprocessMs: number;
  @Field(() => Float) totalMs: number;
}

@ObjectType()
export class SegmentImagePayload {
  @Field() model: string;
  @Field(() => Int) width: number;
  @Field(() => Int) height: number;
  @Field(() => [SegmentedObject]) objects: SegmentedObject[];
  @Field({ description: 'True when the image embedding came from cache (the encoder did not run)' }) cacheHit: boolean;
  @Field(() => Timings) timings: Timings;
}
