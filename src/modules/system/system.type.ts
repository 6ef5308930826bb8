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
    OK: { description: 'The database answers and takes writes, and no model has failed.' },
    DEGRADED: { description: 'The database does not answer or cannot take writes (a full disk), or a model failed to load; what does not need them still works.' },
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

export enum DatabaseFailureKind {
  DISK_FULL = 'DISK_FULL',
  DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE',
}
registerEnumType(DatabaseFailureKind, {
  name: 'DatabaseFailure',
  description: 'Why the database cannot take writes right now.',
  valuesConfig: {
    DISK_FULL: { description: 'The disk under the database is full (seen on the embedded database\'s disk, or by a write PostgreSQL refused within the last 30 seconds).' },
    DATABASE_UNAVAILABLE: { description: 'The database did not answer a ping within 2 seconds.' },
  },
});

@ObjectType({ description: 'The database as the health check saw it.' })
export class DatabaseHealth {
  @Field(() => DatabaseKind, { description: 'PGlite (embedded) or PostgreSQL.' }) kind: `${DatabaseKind}`;
  @Field({ description: 'Whether it can take writes: it answered a ping within 2 seconds and its disk is not full.' }) ok: boolean;
  @Field(() => DatabaseFailureKind, { nullable: true, description: 'Why it cannot take writes; null when ok.' }) failure: `${DatabaseFailureKind}` | null;
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
