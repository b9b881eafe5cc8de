import type { AuthCheckerFn } from 'type-graphql';
import { forbidden } from '../common/errors';
import type { Context } from '../context';

/**
 * The roles `@Authorized(...)` can name. CLIENT comes from the token; ADMIN from user_roles (looked
 * up once per request, see createContext); ADVISOR from an approved advisor profile. With no role
 * listed, any signed-in viewer passes.
 */
export enum Access {
  ADMIN = 'ADMIN',
  CLIENT = 'CLIENT',
  ADVISOR = 'ADVISOR',
}

export const authChecker: AuthCheckerFn<Context> = async ({ context }, roles) => {
  const viewer = context.requireViewer();
  if (roles.length === 0) return true;
  for (const role of roles) {
    if (role === Access.ADMIN && viewer.isAdmin) return true;
    if (role === Access.CLIENT && viewer.roles.includes('client')) return true;
    if (role === Access.ADVISOR && (await context.activeAdvisor())) return true;
  }
  throw forbidden(`This needs the ${roles.join(' or ')} role`);
};
