// The Mask GraphQL types: one mask (COCO RLE, box, area, score), and the masks of every tracked
// object on one frame (what sessions answer and stream).
import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'COCO run-length encoding, compatible with pycocotools (column-major, compressed counts).' })
export class CocoRle {
  @Field(() => [Int], { description: '[height, width]' }) size: number[];
  @Field({ description: 'The run lengths in COCO’s compressed string form (runs start with background).' }) counts: string;
}

@ObjectType({ description: 'One binary mask at the image’s full resolution, with its box, area and score.' })
export class Mask {
  @Field(() => CocoRle, { description: 'The mask as COCO RLE.' }) rle: CocoRle;
  @Field(() => [Float], { description: '[x, y, w, h] in pixels' }) bbox: number[];
  @Field(() => Int, { description: 'Pixels in the mask' }) area: number;
  @Field(() => Float, { description: 'The model’s predicted IoU for this mask' }) score: number;
  @Field(() => [[Float]], { nullable: true, description: 'Outer contours as flat [x1, y1, x2, y2, ...] lists, when asked' })
  polygons?: number[][] | null;
}

@ObjectType({ description: 'One object’s mask on one frame; mask is null where the object is absent.' })
export class ObjectMask {
  @Field(() => Int, { description: 'The tracked object (1, 2, 3, ... within the session).' }) objectId: number;
  @Field(() => Mask, { nullable: true, description: 'Its mask on this frame; null where the object is absent.' }) mask: Mask | null;
}

@ObjectType({ description: 'The masks of every tracked object on one frame.' })
export class FrameMasks {
  @Field(() => Int, { description: 'The frame, 0-based.' }) frameIndex: number;
  @Field(() => [ObjectMask], { description: 'One entry per object, ascending by objectId.' }) objects: ObjectMask[];
}
