import { Field, Float, ID, InputType, Int, registerEnumType, Extensions } from 'type-graphql';
import { listCap } from '../common/list-cap.js';
import { ClientRequestIdField } from '../idempotency/client-request-id.js';

export enum PointLabel {
  POSITIVE = 'POSITIVE',
  NEGATIVE = 'NEGATIVE',
}
registerEnumType(PointLabel, {
  name: 'PointLabel',
  description: 'Whether a point is on the object or off it.',
  valuesConfig: {
    POSITIVE: { description: 'Part of the object.' },
    NEGATIVE: { description: 'Not part of the object: cuts the mask there.' },
  },
});

export enum CoordinateSpace {
  NORMALIZED = 'NORMALIZED',
  PIXELS = 'PIXELS',
}
registerEnumType(CoordinateSpace, {
  name: 'CoordinateSpace',
  description: 'The space of prompt coordinates.',
  valuesConfig: {
    NORMALIZED: { description: 'x and w as fractions of the image width, y and h of its height, in [0, 1].' },
    PIXELS: { description: 'Pixels of the image (after EXIF orientation), origin top-left.' },
  },
});

@InputType({ description: 'A click on the image.' })
export class PointInput {
  @Field(() => Float, { description: 'Horizontal position, from the left edge.' }) x: number;
  @Field(() => Float, { description: 'Vertical position, from the top edge.' }) y: number;
  @Field(() => PointLabel, { defaultValue: PointLabel.POSITIVE, description: 'On the object or off it.' }) label: PointLabel;
}

@InputType({ description: 'A box as [x, y, w, h]: top-left corner, width and height.' })
export class BoxInput {
  @Field(() => Float, { description: 'Left edge.' }) x: number;
  @Field(() => Float, { description: 'Top edge.' }) y: number;
  @Field(() => Float, { description: 'Width, greater than 0.' }) w: number;
  @Field(() => Float, { description: 'Height, greater than 0.' }) h: number;
}

@InputType({ description: 'One object (points and/or a box), or with text every instance of a phrase (points then select or cut instances; a box bounds them).' })
export class PromptGroupInput {
  @Field(() => String, { nullable: true, description: 'A phrase, e.g. "red square": one object per instance found (needs a model with a grounding companion)' })
  text?: string | null;
  @Field(() => [PointInput], { defaultValue: [], description: 'Clicks on the object (at most MAX_POINTS_PER_OBJECT).' })
  @Extensions(listCap('points'))
  points: PointInput[];
  @Field(() => BoxInput, { nullable: true, description: 'A box around the object.' }) box?: BoxInput | null;
  @Field(() => String, { nullable: true, description: 'Echoed back on the result.' }) label?: string | null;
}

@InputType({ description: 'Input of segmentImage: exactly one of mediaId and imageBase64.' })
export class SegmentImageInput {
  @Field(() => ID, { nullable: true, description: 'A stored image.' }) mediaId?: string | null;
  @Field(() => String, { nullable: true, description: 'An image not stored as media, base64 encoded.' }) imageBase64?: string | null;
  @Field(() => String, { nullable: true, description: 'Model name; DEFAULT_MODEL when omitted.' }) model?: string | null;
  @Field(() => [PromptGroupInput], { description: 'One entry per object; all share one image encoding.' })
  @Extensions(listCap('objects'))
  objects: PromptGroupInput[];
  @Field(() => CoordinateSpace, { defaultValue: CoordinateSpace.NORMALIZED, description: 'The space of points and boxes.' }) coordinates: CoordinateSpace;
  @Field({ defaultValue: false, description: 'Return every mask the model proposes per object, best score first, instead of the best one.' })
  multimask: boolean;
  @Field(() => Float, { defaultValue: 0, description: 'Mask logit threshold (0 = the model’s own boundary).' }) threshold: number;
  @Field({ defaultValue: false, description: 'Also return polygons of each mask.' }) polygons: boolean;
  @Field(() => Float, { defaultValue: 0.5, description: 'Minimum detector confidence for text prompts (0..1)' }) detectionThreshold: number;
}

@InputType({ description: 'Many phrases on one image: one image encoding and one detector run. Exactly one of mediaId and imageBase64.' })
export class SegmentPhrasesInput {
  @Field(() => ID, { nullable: true, description: 'A stored image.' }) mediaId?: string | null;
  @Field(() => String, { nullable: true, description: 'An image not stored as media, base64 encoded.' }) imageBase64?: string | null;
  @Field(() => String, { nullable: true, description: 'A model with a grounding companion; DEFAULT_MODEL when omitted.' }) model?: string | null;
  @Field(() => [String], { description: 'Short phrases naming what to find, e.g. "red car" (at most MAX_OBJECTS_PER_REQUEST).' })
  @Extensions(listCap('objects'))
  phrases: string[];
  @Field(() => Float, { defaultValue: 0.5, description: 'Minimum detector confidence, 0 to 1, for an instance to be returned.' }) detectionThreshold: number;
  @Field({ defaultValue: false, description: 'Also return polygons of each mask.' }) polygons: boolean;
}

@InputType({ description: 'Every mask of an image, without prompts. Exactly one of mediaId and imageBase64.' })
export class SegmentEverythingInput {
  @Field(() => ID, { nullable: true, description: 'A stored image.' }) mediaId?: string | null;
  @Field(() => String, { nullable: true, description: 'An image not stored as media, base64 encoded.' }) imageBase64?: string | null;
  @Field(() => String, { nullable: true, description: 'Model name; DEFAULT_MODEL when omitted.' }) model?: string | null;
  @Field(() => Int, { defaultValue: 16, description: 'Grid of point prompts: this many per side (1..64)' }) pointsPerSide: number;
  @Field(() => Float, { defaultValue: 0.8, description: 'Keep masks whose predicted IoU is at least this' }) predIouThreshold: number;
  @Field(() => Float, { defaultValue: 0.9, description: 'Keep masks whose stability score is at least this' }) stabilityThreshold: number;
  @Field(() => Float, { defaultValue: 0.7, description: 'Box IoU above which a lower-scored mask is a duplicate' }) boxNmsThreshold: number;
  @Field(() => Int, { defaultValue: 16, description: 'Smallest mask kept, in pixels' }) minArea: number;
  @Field({ defaultValue: true, description: 'Skip grid points inside masks already found (visiting the grid coarse to fine): much faster, fewer sub-part masks' })
  skipCovered: boolean;
  @Field({ defaultValue: false, description: 'Also return polygons of each mask.' }) polygons: boolean;
}

@InputType({ description: 'Segment everything on every image of a project, as a job; masks are stored per media.' })
export class StartBatchSegmentationInput {
  @Field(() => ID, { description: 'The project whose images to segment.' }) projectId: string;
  @Field(() => String, { nullable: true, description: 'Model name; DEFAULT_MODEL when omitted.' }) model?: string | null;
  @Field(() => Int, { nullable: true, description: 'As in segmentEverything (default 16).' }) pointsPerSide?: number | null;
  @Field(() => Float, { nullable: true, description: 'As in segmentEverything (default 0.8).' }) predIouThreshold?: number | null;
  @Field(() => Float, { nullable: true, description: 'As in segmentEverything (default 0.9).' }) stabilityThreshold?: number | null;
  @Field(() => Float, { nullable: true, description: 'As in segmentEverything (default 0.7).' }) boxNmsThreshold?: number | null;
  @Field(() => Int, { nullable: true, description: 'As in segmentEverything (default 16 pixels).' }) minArea?: number | null;
  @Field(() => Boolean, { nullable: true, description: 'As in segmentEverything (default true).' }) skipCovered?: boolean | null;
  @ClientRequestIdField() clientRequestId?: string | null;
}
