import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { unauthenticated } from '../common/errors';
import { isUuid } from '../common/ids';
import type { Role } from '../modules/user/user.entity';

export const ROLES: readonly Role[] = ['client', 'advisor', 'admin'];

export interface Claims {
  sub: string;
  email: string;
  givenName: string | null;
  familyName: string | null;
  roles: Role[];
}

const encoder = new TextEncoder();

/** Verifies an HS256 token and returns its claims; anything wrong is UNAUTHENTICATED. */
export async function verifyToken(token: string, secret: string): Promise<Claims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, encoder.encode(secret), { algorithms: ['HS256'], requiredClaims: ['sub', 'exp'] }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw unauthenticated('The token has expired');
    throw unauthenticated('The token is invalid');
  }
  const { sub, email, given_name, family_name, roles } = payload;
  if (typeof sub !== 'string' || !isUuid(sub)) throw unauthenticated('The token subject must be a UUID');
  if (typeof email !== 'string' || !email.includes('@')) throw unauthenticated('The token has no valid email claim');
  const roleList = Array.isArray(roles) ? roles : [];
  if (!roleList.every((r): r is Role => typeof r === 'string' && (ROLES as string[]).includes(r))) {
    throw unauthenticated('The token has an unknown role');
  }
  return {
    sub: sub.toLowerCase(),
    email,
    givenName: typeof given_name === 'string' ? given_name : null,
    familyName: typeof family_name === 'string' ? family_name : null,
    roles: roleList,
  };
}

export async function signToken(
  claims: { sub: string; email: string; givenName?: string; familyName?: string; roles: Role[] },
  secret: string,
  expiresIn: string | number = '12h',
): Promise<string> {
  return new SignJWT({
    email: claims.email,
    given_name: claims.givenName,
    family_name: claims.familyName,
    roles: claims.roles,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(encoder.encode(secret));
}

export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return m ? m[1]! : '';
}
