import { Field, Float, ObjectType, registerEnumType } from 'type-graphql';
import { Device, ModelState } from '../model/model.type.js';

export enum HealthStatus {
  OK = 'ok',
  DEGRADED = 'degraded',
}
registerEnumType(HealthStatus, {
  name: 'HealthStatus',
  description: 'The overall state of the server.',
  valuesConfig: {
    OK: { description: 'The database answers and no model has failed.' },
    DEGRADED: { description: 'The database does not answer or a model failed to load; what does not need them still works.' },
  },
});

export enum DatabaseKind {
  PGLITE = 'pglite',
  POSTGRES = 'postgres',
}
registerEnumType(DatabaseKind, {
  name: 'DatabaseKind',
  description: 'Which database holds the state.',
  valuesConfig: {
    PGLITE: { description: 'The embedded PGlite database in DATA_DIR (one process).' },
    POSTGRES: { description: 'A PostgreSQL server (DATABASE_URL), which several instances can share.' },
  },
});

@ObjectType()
export class DatabaseHealth {
  @Field(() => DatabaseKind, { description: 'pglite (embedded) or postgres' }) kind: `${DatabaseKind}`;
  @Field() ok: boolean;
}

@ObjectType()
export class ModelHealth {
  @Field() name: string;
  @Field(() => ModelState) state: `${ModelState}`;
  @Field(() => Device, { nullable: true }) device: `${Device}` | null;
  @Field(() => String, { nullable: true }) error: string | null;
}

@ObjectType()
export class Health {
  @Field(() => HealthStatus, { description: 'ok, or degraded when the database or a model is unavailable' }) status: `${HealthStatus}`;
  @Field(() => Float) uptimeSec: number;
  @Field() version: string;
  @Field(() => DatabaseHealth) database: DatabaseHealth;
  @Field(() => [ModelHealth]) models: ModelHealth[];
}
