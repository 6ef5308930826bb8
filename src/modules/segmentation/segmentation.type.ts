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
  @Field(() => Int, { description: 'Position of its prompt group in input.objects' }) index: number;
  @Field(() => String, { nullable: true }) label: string | null;
  @Field(() => String, { nullable: true, description: 'The phrase that found it, for text prompts' }) phrase: string | null;
  @Field(() => Float, { nullable: true, description: 'The detector’s confidence, for text prompts' }) detectionScore: number | null;
  @Field(() => Mask, { description: 'The best mask' }) mask: Mask;
  @Field(() => [Mask], { description: 'All masks returned, best first (one unless multimask)' }) masks: Mask[];
}

@ObjectType()
export class Timings {
  @Field(() => Float, { description: '0 when the embedding came from cache' }) encodeMs: number;
  @Field(() => Float, { description: 'Text detection (0 without text prompts); runs beside the encoder' }) detectMs: number;
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

@ObjectType()
export class PhraseResult {
  @Field() phrase: string;
  @Field(() => [SegmentedObject], { description: 'One per instance found; empty when none' }) objects: SegmentedObject[];
}

@ObjectType()
export class SegmentPhrasesPayload {
  @Field() model: string;
  @Field(() => Int) width: number;
  @Field(() => Int) height: number;
  @Field(() => [PhraseResult]) phrases: PhraseResult[];
  @Field() cacheHit: boolean;
  @Field(() => Timings) timings: Timings;
}

@ObjectType()
export class EverythingTimings {
  @Field(() => Float) encodeMs: number;
  @Field(() => Float) decodeMs: number;
  @Field(() => Float) totalMs: number;
}

@ObjectType()
export class SegmentEverythingPayload {
  @Field() model: string;
  @Field(() => Int) width: number;
  @Field(() => Int) height: number;
  @Field(() => [Mask], { description: 'Kept masks, best predicted IoU first' }) masks: Mask[];
  @Field(() => Int, { description: 'Masks proposed before filtering and suppression' }) candidates: number;
  @Field() cacheHit: boolean;
  @Field(() => EverythingTimings) timings: EverythingTimings;
}
