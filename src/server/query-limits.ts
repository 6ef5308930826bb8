// Limits on what one GraphQL document may ask (depth, aliases, estimated cost), as validation
// rules from GraphQL Armor, the same on HTTP and on graphql-ws. Their errors are validation
// errors: extensions.code GRAPHQL_VALIDATION_FAILED.
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import type { Config } from '../config.js';

export function queryLimitRules(limits: Config['query']): ValidationRule[] {
  // Armor throws by default; report through the validation context instead, so the error is an
  // ordinary validation error on both transports. Armor words its errors "Syntax Error: …": they
  // are limits, not syntax errors.
  const report = {
    propagateOnRejection: false,
    onReject: [(ctx: ValidationContext | null, err: GraphQLError) => ctx?.reportError(new GraphQLError(err.message.replace(/^Syntax Error:\s*/, ''), { nodes: err.nodes }))],
  };
  return [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true, ...report }),
    maxAliasesRule({ n: limits.maxAliases, ...report }),
    costLimitRule({ maxCost: limits.maxCost, ignoreIntrospection: true, ...report }),
  ] as ValidationRule[];
}
