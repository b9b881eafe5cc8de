import type { AuthCheckerFn } from 'type-graphql';
import type { Role } from '../common/actor';
import { forbidden } from '../common/errors';
import type { Context } from '../context';

/**
 * The Roles (src/common/actor.ts) `@Authorized(...)` can name. CLIENT comes from the token; ADMIN
 * from user_roles (looked up once per request, see createContext); ADVISOR from an approved
 * advisor profile. With no role listed, any signed-in viewer passes.
 */
export const Access = { ADMIN: 'admin', CLIENT: 'client', ADVISOR: 'advisor' } as const satisfies Record<string, Role>;

export const authChecker: AuthCheckerFn<Context> = async ({ context }, roles) => {
  const viewer = context.requireViewer();
  if (roles.length === 0) return true;
  for (const role of roles) {
    if (role === Access.ADMIN && viewer.isAdmin) return true;
    if (role === Access.CLIENT && viewer.roles.includes('client')) return true;
    if (role === Access.ADVISOR && (await context.activeAdvisor())) return true;
  }
  throw forbidden(`This needs the ${roles.map((r) => r.toUpperCase()).join(' or ')} role`);
};
