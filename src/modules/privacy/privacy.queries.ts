import type { EntityManager } from '@mikro-orm/postgresql';

/** Statuses in which a consultation is still live: it must be cancelled before the person is erased. */
export const LIVE_STATUSES = ['pending_payment', 'scheduled', 'in_progress'];

const rows = (em: EntityManager, sql: string, params: unknown[]) => em.execute<Record<string, unknown>[]>(sql, params);

/**
 * Everything held about one person, read for exportMyData: their own rows only, and of a
 * consultation only what its party sees (a client sees the advisor's public name, an advisor
 * nothing of the client but the consultation itself).
 */
export async function readPersonalData(em: EntityManager, userId: string, advisorId: string | null): Promise<Record<string, unknown>> {
  const adv = advisorId ?? '00000000-0000-0000-0000-000000000000';
  const [profile] = await rows(em, 'select id, email, given_name, family_name, roles, created_at, updated_at from users where id = ?', [
    userId,
  ]);
  const [advisorProfile] = advisorId
    ? await rows(
        em,
        `select id, display_name, bio, avatar_url, skills, specialties, languages, country_code, cal_com_event_type_url, timezone,
           locale, rating, review_count, approval_status, is_accepting_bookings, applied_at, approved_at, created_at
         from advisors where id = ?`,
        [advisorId],
      )
    : [];
  const asClient = await rows(
    em,
    `select c.id, c.advisor_id, a.display_name as advisor_display_name, c.start_time, c.end_time, c.duration_minutes, c.status,
       c.price_cents, c.currency, c.notes, c.cancelled_at, c.cancelled_by, c.cancellation_reason, c.locale, c.client_timezone, c.created_at
     from consultations c join advisors a on a.id = c.advisor_id where c.client_id = ? order by c.start_time, c.id`,
    [userId],
  );
  const asAdvisor = await rows(
    em,
    `select id, start_time, end_time, duration_minutes, status, advisor_earnings_cents, currency, cancelled_at, cancelled_by, created_at
     from consultations where advisor_id = ? order by start_time, id`,
    [adv],
  );
  const payments = await rows(
    em,
    `select ch.id, ch.consultation_id, ch.status, ch.total_amount_cents, ch.refunded_cents, ch.currency, ch.succeeded_at, ch.created_at,
       coalesce((select json_agg(json_build_object('id', r.id, 'amountCents', r.amount_cents, 'source', r.source, 'reason', r.reason,
         'createdAt', r.created_at) order by r.created_at) from refunds r where r.charge_id = ch.id), '[]') as refunds
     from consultation_charges ch join consultations c on c.id = ch.consultation_id where c.client_id = ? order by ch.created_at, ch.id`,
    [userId],
  );
  const reviews = await rows(
    em,
    `select id, consultation_id, advisor_id, rating, expertise_rating, communication_rating, helpfulness_rating, review_text, created_at
     from advisor_reviews where client_id = ? order by created_at, id`,
    [userId],
  );
  const emails = await rows(
    em,
    `select id, to_address, template, subject, data, status, sent_at, created_at from email_outbox
     where recipient_id = ? or lower(to_address) = lower(?) order by created_at, id`,
    [userId, profile?.email ?? ''],
  );
  const messages = await rows(
    em,
    'select id, consultation_id, text, created_at from consultation_messages where sender_id = ? order by created_at, id',
    [userId],
  );
  const audit = await rows(
    em,
    `select id, actor_id, actor_kind, action, subject_type, subject_id, reason, before, after, created_at from audit_log
     where actor_id = ? or (subject_type = 'user' and subject_id = ?) or (subject_type = 'advisor' and subject_id = ?) or advisor_id = ?
     order by created_at, id`,
    [userId, userId, adv, adv],
  );
  return {
    exportedAt: new Date().toISOString(),
    profile: profile ?? null,
    advisorProfile: advisorProfile ?? null,
    consultationsAsClient: asClient,
    consultationsAsAdvisor: asAdvisor,
    payments,
    reviewsWritten: reviews,
    emails,
    chatMessages: messages,
    auditEntries: audit,
  };
}

/** How many of the person's consultations are still live, as client or as advisor. */
export async function countLive(em: EntityManager, userId: string, advisorId: string | null): Promise<number> {
  const [row] = await em.execute<{ n: number }[]>(
    `select count(*)::int as n from consultations where (client_id = ? or advisor_id = ?) and status in (?)`,
    [userId, advisorId ?? '00000000-0000-0000-0000-000000000000', LIVE_STATUSES],
  );
  return row?.n ?? 0;
}

/**
 * Removes the person's personal data from every table but advisors (the advisor module's
 * AdvisorService.erase) and audit_log (append-only: entries name people by id): names, email,
 * free text they wrote, chat messages, what emails and webhook payloads said of them. Money rows
 * (consultations, charges, refunds, ledger, payouts) stay, pointing at the anonymized user.
 */
export async function erasePersonalData(
  em: EntityManager,
  user: { id: string; email: string; givenName: string | null; familyName: string | null },
): Promise<void> {
  const id = user.id;
  const mine = `select id from consultations where client_id = ?`;
  const consultationIds = (await em.execute<{ id: string }[]>(mine, [id])).map((r) => r.id);
  await em.execute(
    `update users set email = ?, given_name = null, family_name = null, roles = '{}', erased_at = now(), updated_at = now() where id = ?`,
    [`erased-${id}@erased.invalid`, id],
  );
  await em.execute(`update consultations set notes = null, cancellation_reason = null, updated_at = now() where client_id = ?`, [id]);
  await em.execute(`update consultation_status_changes set reason = null where actor_id = ?`, [id]);
  await em.execute(
    `update refunds set reason = null where created_by_id = ? or charge_id in (select id from consultation_charges where consultation_id in (${mine}))`,
    [id, id],
  );
  await em.execute(`update advisor_reviews set review_text = null where client_id = ?`, [id]);
  await em.execute(`delete from consultation_messages where sender_id = ?`, [id]);
  // Emails to them, and emails to others about their consultations (which name them).
  const keys = consultationIds.map((c) => `%${c}%`);
  await em.execute(
    `update email_outbox set to_address = case when lower(to_address) = lower(?) then ? else to_address end,
       subject = '(erased)', data = '{}', last_error = null
     where recipient_id = ? or lower(to_address) = lower(?) or dedupe_key like any (?::text[])`,
    [user.email, `erased-${id}@erased.invalid`, id, user.email, `{${keys.map((k) => `"${k}"`).join(',')}}`],
  );
  const names = [user.email, [user.givenName, user.familyName].filter(Boolean).join(' ')].filter((v) => v.length > 3);
  await em.execute(`update processed_webhook_events set payload = '{"erased": true}' where payload::text ilike any (?::text[])`, [
    `{${names.map((n) => `"%${n.replace(/["\\%_]/g, '')}%"`).join(',')}}`,
  ]);
}
