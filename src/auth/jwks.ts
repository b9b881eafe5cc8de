import { createRemoteJWKSet } from 'jose';

/** Algorithms accepted from an identity provider's keys (HS256 stays with AUTH_JWT_SECRET). */
export const ASYMMETRIC: readonly string[] = ['RS256', 'ES256'];

const sets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/**
 * The key set at AUTH_JWKS_URL, one per URL for the process: jose fetches it on first use, caches
 * it for ten minutes, and fetches again at most every 30 s when a token names a key id it has not
 * seen (a key rotation), so tokens with made-up key ids cannot make us hammer the provider.
 * Null when no JWKS is configured: asymmetric tokens are then refused.
 */
export function remoteKeys(url: string | undefined): ReturnType<typeof createRemoteJWKSet> | null {
  if (!url) return null;
  let set = sets.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
    sets.set(url, set);
  }
  return set;
}
