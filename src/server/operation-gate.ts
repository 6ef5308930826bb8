// What every operation passes before its variables are coerced, over HTTP and graphql-ws alike:
// the scope its kind needs (a read key's mutation is refused before its input is even walked),
// the list caps of the schema on the raw input, and the caller's rate limit. The field-level
// @Authorized checks still run at execution (admin fields, the project fence).
import type { DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { AuthGuard } from './auth/auth-guard.js';
import type { Principal } from '../modules/auth/principal.js';
import { rootFieldNames } from './auth/root-fields.js';
import { checkListCaps, type ListCaps } from './list-caps.js';

export class OperationGate {
  constructor(
    private readonly guard: AuthGuard,
    private readonly schema: GraphQLSchema,
    private readonly caps: ListCaps,
  ) {}

  /** Rejects with the first refusal (FORBIDDEN, BAD_USER_INPUT, RATE_LIMITED) as a GraphQLError; the rate limit may be in Redis (REDIS_URL). */
  async check(principal: Principal, document: DocumentNode, op: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | null | undefined): Promise<void> {
    // Introspection alone needs no scope.
    if (rootFieldNames(document, op).length) this.guard.access(principal).require(op.operation === 'mutation' ? 'write' : 'read');
    const tooLong: GraphQLError | null = checkListCaps(this.schema, document, variables, this.caps);
    if (tooLong) throw tooLong;
    await this.guard.chargeOperation(principal, document, op);
  }
}
