import { Field, Float, ObjectType } from 'type-graphql';

@ObjectType()
export class DatabaseHealth {
  @Field({ description: 'pglite (embedded) or postgres' }) kind: string;
  @Field() ok: boolean;
}

@ObjectType()
export class ModelHealth {
  @Field() name: string;
  @Field() state: string;
  @Field(() => String, { nullable: true }) device: string | null;
  @Field(() => String, { nullable: true }) error: string | null;
}

@ObjectType()
export class Health {
  @Field({ description: 'ok, or degraded when the database or a model is unavailable' }) status: string;
  @Field(() => Float) uptimeSec: number;
  @Field() version: string;
  @Field(() => DatabaseHealth) database: DatabaseHealth;
  @Field(() => [ModelHealth]) models: ModelHealth[];
}
