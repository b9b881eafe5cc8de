import { createHmac, timingSafeEqual } from 'node:crypto';
import { isUuid } from '../../common/ids';
import type { OptOutKind } from './templates/types';

const KINDS: readonly OptOutKind[] = ['reminders', 'rating-prompts'];

function mac(secret: string, userId: string, kind: OptOutKind): string {
  return createHmac('sha256', secret).update(`email-opt-out:v1:${userId}:${kind}`).digest('base64url');
}

/**
 * The opaque token in a one-click opt-out link: who and what, signed. It carries no email address
 * and does not expire (an opt-out link must keep working), and is useless for anything but this.
 */
export function optOutToken(secret: string, userId: string, kind: OptOutKind): string {
  return `v1.${userId}.${kind}.${mac(secret, userId, kind)}`;
}

export function verifyOptOutToken(secret: string, token: unknown): { userId: string; kind: OptOutKind } | null {
  if (typeof token !== 'string' || token.length > 200) return null;
  const [version, userId, kind, signature, ...rest] = token.split('.');
  if (version !== 'v1' || rest.length || !userId || !isUuid(userId) || !signature) return null;
  if (!KINDS.includes(kind as OptOutKind)) return null;
  const expected = Buffer.from(mac(secret, userId, kind as OptOutKind));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  return { userId, kind: kind as OptOutKind };
}

export function optOutUrl(apiUrl: string, secret: string, userId: string, kind: OptOutKind, lang: string): string {
  const u = new URL('/email/unsubscribe', apiUrl);
  u.searchParams.set('token', optOutToken(secret, userId, kind));
  u.searchParams.set('lang', lang);
  return u.toString();
}
