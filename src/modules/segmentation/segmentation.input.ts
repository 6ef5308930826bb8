import { Field, Float, ID, InputType, registerEnumType } from 'type-graphql';

export enum PointLabel {
  POSITIVE = 'POSITIVE',
  NEGATIVE = 'NEGATIVE',
}
registerEnumType(PointLabel, { name: 'PointLabel', description: 'POSITIVE: part of the object; NEGATIVE: not.' });

export enum CoordinateSpace {
  NORMALIZED = 'NORMALIZED',
  PIXELS = 'PIXELS',
}
registerEnumType(CoordinateSpace, {
  name: 'CoordinateSpace',
  description: 'NORMALIZED: x and y in [0, 1] of the image width and height; PIXELS: in pixels.',
});

@InputType()
export class PointInput {
  @Field(() => Float) x: number;
  @Field(() => Float) y: number;
  @Field(() => PointLabel, { defaultValue: PointLabel.POSITIVE }) label: PointLabel;
}

@InputType({ description: 'A box as [x, y, w, h]: top-left corner, width and height.' })
export class BoxInput {
  @Field(() => Float) x: number;
  @Field(() => Float) y: number;
  @Field(() => Float) w: number;
  @Field(() => Float) h: number;
}

@InputType({ description: 'One object: points and/or a box.' })
export class PromptGroupInput {
  @Field(() => [PointInput], { defaultValue: [] }) points: PointInput[];
  @Field(() => BoxInput, { nullable: true }) box?: BoxInput | null;
  @Field(() => String, { nullable: true, description: 'Echoed back on the result.' }) label?: string | null;
}

@InputType({ description: 'Exactly one of mediaId and imageBase64.' })
export class SegmentImageInput {
  @Field(() => ID, { nullable: true }) mediaId?: string | null;
  @Field(() => String, { nullable: true, description: 'An image not stored as media, base64 encoded.' }) imageBase64?: string | null;
  @Field(() => String, { nullable: true, description: 'Model name; DEFAULT_MODEL when omitted.' }) model?: string | null;
  @Field(() => [PromptGroupInput], { description: 'One entry per object; all share one image encoding.' }) objects: PromptGroupInput[];
  @Field(() => CoordinateSpace, { defaultValue: CoordinateSpace.NORMALIZED }) coordinates: CoordinateSpace;
  @Field({ defaultValue: false, description: 'Return every mask the model proposes per object, best score first, instead of the best one.' })
  multimask: boolean;
  @Field(() => Float, { defaultValue: 0, description: 'Mask logit threshold (0 = the model’s own boundary).' }) threshold: number;
  @Field({ defaultValue: false, description: 'Also return polygons of each mask.' }) polygons: boolean;
}
