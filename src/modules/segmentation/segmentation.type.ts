import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Mask } from '../mask/mask.type.js';

@ObjectType({ description: 'One object found on an image: its best mask and, with multimask, the others.' })
export class SegmentedObject {
  @Field(() => Int, { description: 'Position of its prompt group in input.objects' }) index: number;
  @Field(() => String, { nullable: true, description: 'The label of its prompt group, echoed back.' }) label: string | null;
  @Field(() => String, { nullable: true, description: 'The phrase that found it, for text prompts' }) phrase: string | null;
  @Field(() => Float, { nullable: true, description: 'The detector’s confidence, for text prompts' }) detectionScore: number | null;
  @Field(() => Mask, { description: 'The best mask' }) mask: Mask;
  @Field(() => [Mask], { description: 'All masks returned, best first (one unless multimask)' }) masks: Mask[];
}

@ObjectType({ description: 'Where the time of a segmentation went, in milliseconds.' })
export class Timings {
  @Field(() => Float, { description: '0 when the embedding came from cache' }) encodeMs: number;
  @Field(() => Float, { description: 'Text detection (0 without text prompts); runs beside the encoder' }) detectMs: number;
  @Field(() => Float, { description: 'The mask decoder, all objects together.' }) decodeMs: number;
  @Field(() => Float, { description: 'Upscaling, thresholding and encoding the masks.' }) postprocessMs: number;
  @Field(() => Float, { description: 'The whole request, from decode of the image to the last mask.' }) totalMs: number;
}

@ObjectType({ description: 'The result of segmentImage.' })
export class SegmentImagePayload {
  @Field({ description: 'The model that ran.' }) model: string;
  @Field(() => Int, { description: 'Image width in pixels (after EXIF orientation).' }) width: number;
  @Field(() => Int, { description: 'Image height in pixels (after EXIF orientation).' }) height: number;
  @Field(() => [SegmentedObject], { description: 'One per prompt group, in input order (a text prompt gives one per instance found).' }) objects: SegmentedObject[];
  @Field({ description: 'True when the image embedding came from cache (the encoder did not run)' }) cacheHit: boolean;
  @Field(() => Timings, { description: 'Where the time went.' }) timings: Timings;
}

@ObjectType({ description: 'The instances of one phrase.' })
export class PhraseResult {
  @Field({ description: 'The phrase, as given.' }) phrase: string;
  @Field(() => [SegmentedObject], { description: 'One per instance found; empty when none' }) objects: SegmentedObject[];
}

@ObjectType({ description: 'The result of segmentPhrases.' })
export class SegmentPhrasesPayload {
  @Field({ description: 'The model that ran.' }) model: string;
  @Field(() => Int, { description: 'Image width in pixels.' }) width: number;
  @Field(() => Int, { description: 'Image height in pixels.' }) height: number;
  @Field(() => [PhraseResult], { description: 'One per phrase, in input order.' }) phrases: PhraseResult[];
  @Field({ description: 'True when the image embedding came from cache.' }) cacheHit: boolean;
  @Field(() => Timings, { description: 'Where the time went.' }) timings: Timings;
}

@ObjectType({ description: 'Where the time of segmentEverything went, in milliseconds.' })
export class EverythingTimings {
  @Field(() => Float, { description: 'The image encoder; 0 when the embedding came from cache.' }) encodeMs: number;
  @Field(() => Float, { description: 'The mask decoder over the whole point grid, with filtering.' }) decodeMs: number;
  @Field(() => Float, { description: 'The whole request.' }) totalMs: number;
}

@ObjectType({ description: 'The result of segmentEverything.' })
export class SegmentEverythingPayload {
  @Field({ description: 'The model that ran.' }) model: string;
  @Field(() => Int, { description: 'Image width in pixels.' }) width: number;
  @Field(() => Int, { description: 'Image height in pixels.' }) height: number;
  @Field(() => [Mask], { description: 'Kept masks, best predicted IoU first' }) masks: Mask[];
  @Field(() => Int, { description: 'Masks proposed before filtering and suppression' }) candidates: number;
  @Field({ description: 'True when the image embedding came from cache.' }) cacheHit: boolean;
  @Field(() => EverythingTimings, { description: 'Where the time went.' }) timings: EverythingTimings;
}
