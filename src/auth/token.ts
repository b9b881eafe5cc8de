import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { unauthenticated } from '../common/errors';
import type { SecurityConfig } from '../config-security';
import { isUuid } from '../common/ids';
import type { Role } from '../common/actor';
import { ASYMMETRIC, remoteKeys } from './jwks';

export const ROLES: readonly Role[] = ['client', 'advisor', 'admin'];

export interface Claims {
  sub: string;
  email: string;
  givenName: string | null;
  familyName: string | null;
  roles: Role[];
}

const encoder = new TextEncoder();

/** What verification needs from the configuration: the HS256 secret and the checks of config.security.auth. */
export interface TokenPolicy {
  auth: { jwtSecret: string };
  security: { auth: SecurityConfig['auth'] };
}

/** How far a token's `iat` may lie ahead of our clock (clock skew between us and the issuer). */
export const MAX_CLOCK_SKEW_SECONDS = 60;

/**
 * Verifies a token and returns its claims; anything wrong is UNAUTHENTICATED. HS256 tokens are
 * checked with AUTH_JWT_SECRET; RS256/ES256 tokens from an identity provider against the keys at
 * AUTH_JWKS_URL (fetched and cached by jose). Issuer and audience are checked when configured,
 * and a token must have been issued (`iat`) within AUTH_MAX_TOKEN_AGE, not in the future, and
 * live no longer than that age: a 100-year token is refused the day it is made.
 */
export async function verifyToken(token: string, policy: TokenPolicy): Promise<Claims> {
  const rules = policy.security.auth;
  let payload: Record<string, unknown>;
  try {
    const { alg } = decodeProtectedHeader(token);
    const key =
      alg === 'HS256' ? encoder.encode(policy.auth.jwtSecret) : alg && ASYMMETRIC.includes(alg) ? remoteKeys(rules.jwksUrl) : null;
    if (!key) throw unauthenticated('The token is invalid');
    ({ payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
      algorithms: [alg!],
      requiredClaims: ['sub', 'exp', 'iat'],
      issuer: rules.issuer,
      audience: rules.audience,
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw unauthenticated('The token has expired');
    if (err instanceof joseErrors.JWTClaimValidationFailed && (err.claim === 'iss' || err.claim === 'aud')) {
      throw unauthenticated(`The token is not for this service (${err.claim})`);
    }
    throw unauthenticated('The token is invalid');
  }
  const now = Math.floor(Date.now() / 1000);
  const iat = payload.iat as number;
  if (iat > now + MAX_CLOCK_SKEW_SECONDS) throw unauthenticated('The token is issued in the future');
  if (now - iat > rules.maxTokenAgeSeconds) throw unauthenticated('The token is too old; sign in again');
  if ((payload.exp as number) - iat > rules.maxTokenAgeSeconds) throw unauthenticated('The token lives longer than this service allows');

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

/** When the server must stop trusting a token: its `exp`, or sooner when AUTH_MAX_TOKEN_AGE runs out first (seconds). */
export function tokenDeadline(token: string, policy: TokenPolicy): number | undefined {
  const { exp, iat } = decodeJwt(token);
  if (exp === undefined) return undefined;
  return iat === undefined ? exp : Math.min(exp, iat + policy.security.auth.maxTokenAgeSeconds);
}

export async function signToken(
  claims: { sub: string; email: string; givenName?: string; familyName?: string; roles: Role[] },
  secret: string,
  expiresIn: string | number = '12h',
  opts: { issuer?: string; audience?: string; issuedAt?: number } = {},
): Promise<string> {
  const jwt = new SignJWT({
    email: claims.email,
    given_name: claims.givenName,
    family_name: claims.familyName,
    roles: claims.roles,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt(opts.issuedAt)
    .setExpirationTime(expiresIn);
  if (opts.issuer) jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt.setAudience(opts.audience);
  return jwt.sign(encoder.encode(secret));
}

export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return m ? m[1]! : '';
}
