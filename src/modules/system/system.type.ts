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

@ObjectType({ description: 'The database as the health check saw it.' })
export class DatabaseHealth {
  @Field(() => DatabaseKind, { description: 'PGlite (embedded) or PostgreSQL.' }) kind: `${DatabaseKind}`;
  @Field({ description: 'Whether it answered a ping within 2 seconds.' }) ok: boolean;
}

@ObjectType({ description: 'One model as the health check saw it.' })
export class ModelHealth {
  @Field({ description: 'The model name.' }) name: string;
  @Field(() => ModelState, { description: 'Where it is in its life.' }) state: `${ModelState}`;
  @Field(() => Device, { nullable: true, description: 'Where it runs (or will run when loaded).' }) device: `${Device}` | null;
  @Field(() => String, { nullable: true, description: 'Why it failed; null unless FAILED.' }) error: string | null;
}

@ObjectType({ description: 'The health of the server: database, models and uptime.' })
export class Health {
  @Field(() => HealthStatus, { description: 'OK, or DEGRADED when the database or a model is unavailable.' }) status: `${HealthStatus}`;
  @Field(() => Float, { description: 'Seconds since this process started.' }) uptimeSec: number;
  @Field({ description: 'The server version (package.json).' }) version: string;
  @Field(() => DatabaseHealth, { description: 'The database.' }) database: DatabaseHealth;
  @Field(() => [ModelHealth], { description: 'Every model of the repository.' }) models: ModelHealth[];
}
