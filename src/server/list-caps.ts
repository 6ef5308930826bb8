// Every list a client can send is capped by the schema: each list input field and argument names
// its cap (extensions.listCap), and the caps are checked on the raw variables and literals BEFORE
// graphql-js coerces them, so 30 million ids cost a length check, not gigabytes and a frozen
// event loop. A list position without a declared cap gets DEFAULT_LIST_CAP.
import {
  GraphQLError,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import type { Config } from '../config.js';
import { LIST_CAP, type ListCapName } from '../modules/common/list-cap.js';

export const DEFAULT_LIST_CAP = 1000;

export type ListCaps = Record<ListCapName, number>;

export function listCaps(limits: Config['limits']): ListCaps {
  return { objects: limits.maxObjectsPerRequest, points: limits.maxPointsPerObject, ids: 1000, scopes: 10 };
}

class TooLong extends Error {
  constructor(
    readonly field: string,
    readonly cap: number,
    readonly got: number,
  ) {
    super();
  }
}

/** A BAD_USER_INPUT error for the first list over its cap in the document, or null. */
export function checkListCaps(schema: GraphQLSchema, document: DocumentNode, variables: Readonly<Record<string, unknown>> | null | undefined, caps: ListCaps): GraphQLError | null {
  const vars = variables ?? {};
  const capOf = (ext: Readonly<Record<string, unknown>> | undefined): number => {
    const name = ext?.[LIST_CAP];
    return typeof name === 'string' && name in caps ? caps[name as ListCapName] : DEFAULT_LIST_CAP;
  };

  const raw = (value: unknown, type: GraphQLInputType, cap: number, field: string): void => {
    if (isNonNullType(type)) return raw(value, type.ofType, cap, field);
    if (isListType(type)) {
      if (!Array.isArray(value)) return raw(value, type.ofType, cap, field); // one item, coerced to a list
      if (value.length > cap) throw new TooLong(field, cap, value.length);
      for (const item of value) raw(item, type.ofType, DEFAULT_LIST_CAP, field);
      return;
    }
    if (isInputObjectType(type) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const fields = type.getFields();
      for (const [name, v] of Object.entries(value)) {
        const def = fields[name];
        if (def) raw(v, def.type, capOf(def.extensions), `${field}.${name}`);
      }
    }
  };

  const literal = (node: ValueNode, type: GraphQLInputType, cap: number, field: string): void => {
    if (node.kind === Kind.VARIABLE) return raw(vars[node.name.value], type, cap, field);
    if (isNonNullType(type)) return literal(node, type.ofType, cap, field);
    if (isListType(type)) {
      if (node.kind !== Kind.LIST) return literal(node, type.ofType, cap, field);
      if (node.values.length > cap) throw new TooLong(field, cap, node.values.length);
      for (const item of node.values) literal(item, type.ofType, DEFAULT_LIST_CAP, field);
      return;
    }
    if (isInputObjectType(type) && node.kind === Kind.OBJECT) {
      const fields = type.getFields();
      for (const f of node.fields) {
        const def = fields[f.name.value];
        if (def) literal(f.value, def.type, capOf(def.extensions), `${field}.${f.name.value}`);
      }
    }
  };

  const typeInfo = new TypeInfo(schema);
  try {
    visit(
      document,
      visitWithTypeInfo(typeInfo, {
        Argument(node) {
          const def = typeInfo.getArgument();
          if (def) literal(node.value, def.type, capOf(def.extensions), node.name.value);
          return false; // its value was walked above
        },
      }),
    );
  } catch (err) {
    if (!(err instanceof TooLong)) throw err;
    return new GraphQLError(`${err.field}: at most ${err.cap} items (got ${err.got})`, {
      extensions: { code: 'BAD_USER_INPUT', field: err.field, maxItems: err.cap, http: { status: 400 } },
    });
  }
  return null;
}
