// type-graphql's @Authorized(scope) on every query and mutation field, checked against the
// request's principal. Subscriptions check in their subscribe function (see Access.require).
import type { AuthChecker } from 'type-graphql';
import type { Context } from '../../modules/common/context.js';
import { isScope } from '../../modules/auth/scopes.js';

export const authChecker: AuthChecker<Context> = ({ context }, roles) => {
  for (const role of roles) {
    if (!isScope(role)) throw new Error(`@Authorized("${role}") is not a scope`);
    context.access.require(role);
  }
  return true;
};
