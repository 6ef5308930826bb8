// Every list a client can send has a cap declared in the schema (extensions.listCap), and the
// check walks literals, variables and nested input objects before coercion.
import 'reflect-metadata';
import { getNamedType, isInputObjectType, isListType, isNonNullType, isObjectType, parse, type GraphQLInputType, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkListCaps, listCaps } from '../../src/server/list-caps.js';
import { createSchema } from '../../src/server/schema.js';

const isList = (t: GraphQLInputType): boolean => isListType(isNonNullType(t) ? t.ofType : t);

describe('list caps', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await createSchema();
  });
  const caps = listCaps({ maxObjectsPerRequest: 32, maxPointsPerObject: 64 });

  it('are declared on every list argument and input field of the schema', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      if (isObjectType(type)) {
        for (const f of Object.values(type.getFields())) for (const a of f.args) if (isList(a.type) && !a.extensions.listCap) missing.push(`${type.name}.${f.name}(${a.name})`);
      }
      if (isInputObjectType(type)) {
        for (const f of Object.values(type.getFields())) if (isList(f.type) && !f.extensions.listCap) missing.push(`${type.name}.${f.name}`);
      }
    }
    expect(missing).toEqual([]);
    expect(getNamedType(schema.getQueryType()!.getFields().frameMasks!.type).name).toBe('FrameMasks');
  });

  it('walks literals, variables and nested objects; a single value for a list is one item', () => {
    const doc = parse('mutation($o: [PromptGroupInput!]!, $p: [PointInput!]!) { a: segmentImage(input: { objects: $o }) { width } b: segmentImage(input: { objects: [{ points: $p }] }) { width } }');
    const point = { x: 0.5, y: 0.5 };
    expect(checkListCaps(schema, doc, { o: [{ points: [point] }], p: [point] }, caps)).toBeNull();
    expect(checkListCaps(schema, doc, { o: Array(33).fill({ points: [] }), p: [] }, caps)?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.objects', maxItems: 32 });
    expect(checkListCaps(schema, doc, { o: [{ points: Array(65).fill(point) }], p: [] }, caps)?.extensions).toMatchObject({ field: 'input.objects.points', maxItems: 64 });
    expect(checkListCaps(schema, doc, { o: [], p: Array(65).fill(point) }, caps)?.extensions).toMatchObject({ field: 'input.objects.points' });
    expect(checkListCaps(schema, doc, { o: { points: [point] }, p: point }, caps)).toBeNull();
    const literal = parse(`{ frameMasks(sessionId: "x", objectIds: [${Array(1001).fill(1).join(',')}]) { frameIndex } }`);
    expect(checkListCaps(schema, literal, {}, caps)?.message).toBe('objectIds: at most 1000 items (got 1001)');
  });
});
