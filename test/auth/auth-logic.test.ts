// Unit tests of the pure pieces of access control: scopes, the token bucket, operation costs.
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationCost } from '../../src/server/auth/operation-cost.js';
import { grants, parseScopes } from '../../src/modules/auth/scopes.js';
import { TokenBucket } from '../../src/server/auth/token-bucket.js';

describe('scopes', () => {
  it('rank read < write < admin', () => {
    expect(grants(['read'], 'read')).toBe(true);
    expect(grants(['read'], 'write')).toBe(false);
    expect(grants(['write'], 'read')).toBe(true);
    expect(grants(['write'], 'admin')).toBe(false);
    expect(grants(['admin'], 'write')).toBe(true);
    expect(grants([], 'read')).toBe(false);
  });

  it('refuse unknown and empty lists', () => {
    expect(parseScopes(['read', 'read', 'write'])).toEqual(['read', 'write']);
    expect(() => parseScopes(['root'])).toThrow(/Unknown scope "root"/);
    expect(() => parseScopes([])).toThrow(/At least one scope/);
  });
});

describe('token bucket', () => {
  it('passes a burst, then refills at its rate', () => {
    const b = new TokenBucket(2, 4, 0);
    for (let i = 0; i < 4; i++) expect(b.take(1, 0)).toBe(0);
    expect(b.take(1, 0)).toBeCloseTo(0.5);
    expect(b.take(1, 499)).toBeGreaterThan(0);
    expect(b.take(1, 500)).toBe(0);
    expect(b.take(3, 1500)).toBeCloseTo(0.5); // 2 tokens after 1 s, 3 wanted
  });

  it('lets a cost above the burst pass when full, and knows when it is idle', () => {
    const b = new TokenBucket(1, 3, 0);
    expect(b.take(10, 0)).toBe(0);
    expect(b.idle(1000)).toBe(false);
    expect(b.take(10, 1000)).toBeCloseTo(2);
    expect(b.idle(3000)).toBe(true);
  });
});

describe('operation cost', () => {
  const cost = { read: 1, write: 2, inference: 10 };
  const price = (src: string) => {
    const doc = parse(src);
    return operationCost(doc, doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode, cost);
  };

  it('prices reads, writes and inference per root field, aliases included', () => {
    expect(price('{ projects { totalCount } models { name } }')).toBe(2);
    expect(price('{ __typename }')).toBe(1);
    expect(price('mutation { createProject(input: {name: "x"}) { project { id } } }')).toBe(2);
    expect(price('mutation { a: segmentImage(input: {objects: []}) { width } b: segmentImage(input: {objects: []}) { width } }')).toBe(20);
    expect(price('subscription { jobProgress(jobId: "x") { id } }')).toBe(1);
  });

  it('charges the fields of fragments at the root, inline and named, nested', () => {
    const seg = (a: string) => `${a}: segmentImage(input: {objects: []}) { width }`;
    expect(price(`mutation { ... on Mutation { ${seg('a')} ${seg('b')} } }`)).toBe(20);
    expect(price(`mutation { ...F createProject(input: {name: "x"}) { project { id } } } fragment F on Mutation { ${seg('a')} ... on Mutation { ${seg('b')} } }`)).toBe(22);
    expect(price('query { ... on Query { projects { totalCount } models { name } } }')).toBe(2);
  });
});
