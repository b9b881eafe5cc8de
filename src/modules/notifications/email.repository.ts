import type { EntityManager } from '@mikro-orm/postgresql';
import type { SqlFragment } from '../../db/sql';

/**
 * The outbox statements that buy a guarantee in one statement (a unique key, an atomic counter,
 * a merge of two opt-outs); everything else goes through MikroORM.
 */

/** Adds the email unless one with its dedupe key exists; returns the new row's id, or null. */
export async function insertOutboxEmail(
  em: EntityManager,
  m: { dedupeKey: string; to: string; recipientId: string | null; template: string; subject: string; data: unknown },
): Promise<string | null> {
  const rows = await em.execute<{ id: string }[]>(
    `insert into email_outbox (id, dedupe_key, to_address, recipient_id, template, subject, data)
     values (gen_random_uuid(), ?, ?, ?, ?, ?, ?::jsonb)
     on conflict (dedupe_key) do nothing returning id`,
    [m.dedupeKey, m.to, m.recipientId, m.template, m.subject, JSON.stringify(m.data)],
  );
  return rows[0]?.id ?? null;
}

/** An email as the outbox stores it, its subject rendered. */
export interface OutboxRow {
  dedupeKey: string;
  to: string;
  recipientId: string | null;
  template: string;
  subject: string;
  data: unknown;
  deliverAt: Date | null;
}

/**
 * Adds each email unless one with its dedupe key exists, and queues a `deliver_email` job (keyed
 * `email:<id>`, as queueDelivery does) for each email added, in one statement. Returns the new ids.
 */
export async function insertOutboxEmailsAndQueue(
  em: EntityManager,
  emails: OutboxRow[],
  maxAttempts: number,
  reqId: string | null,
): Promise<string[]> {
  const ctes = outboxCtes(emails, maxAttempts, reqId);
  const rows = await em.execute<{ id: string }[]>(`with ${ctes.sql} select id from outbox_queued order by ord`, ctes.params);
  return rows.map((r) => r.id);
}

/**
 * The CTEs of {@link insertOutboxEmailsAndQueue} (outbox_input, outbox_added, outbox_queued; the
 * statement must read outbox_queued for the jobs to be added), for a statement that writes the
 * emails with the change that causes them. `gate`: a CTE of that statement without whose rows no
 * email goes in. `sequence`: an SQL expression of the calendar SEQUENCE that replaces the one in
 * each email's data.calendar.
 */
export function outboxCtes(
  emails: OutboxRow[],
  maxAttempts: number,
  reqId: string | null,
  opts: { gate?: string; sequence?: string } = {},
): SqlFragment {
  const data = opts.sequence
    ? `case when data->'calendar' is not null then jsonb_set(data, '{calendar,sequence}', to_jsonb(${opts.sequence})) else data end`
    : 'data';
  return {
    sql: `outbox_input as (
       select * from jsonb_to_recordset(?::jsonb)
         as x(ord int, dedupe_key text, to_address text, recipient_id uuid, template text, subject text, data jsonb, deliver_at timestamptz)
       ${opts.gate ? `where exists (select 1 from ${opts.gate})` : ''}
     ), outbox_added as (
       insert into email_outbox (id, dedupe_key, to_address, recipient_id, template, subject, data)
       select gen_random_uuid(), dedupe_key, to_address, recipient_id, template, subject, ${data} from outbox_input order by ord
       on conflict (dedupe_key) do nothing returning id, dedupe_key
     ), outbox_queued as (
       select outbox_added.id, outbox_input.ord,
         graphile_worker.add_job('deliver_email', json_build_object('id', outbox_added.id::text, 'reqId', ?::text),
           run_at := coalesce(outbox_input.deliver_at, now()), max_attempts := ?::int,
           job_key := 'email:' || outbox_added.id::text) is not null as queued
       from outbox_added join outbox_input using (dedupe_key) order by outbox_input.ord
     )`,
    params: [
      JSON.stringify(
        emails.map((m, ord) => ({
          ord,
          dedupe_key: m.dedupeKey,
          to_address: m.to,
          recipient_id: m.recipientId,
          template: m.template,
          subject: m.subject,
          data: m.data,
          deliver_at: m.deliverAt?.toISOString() ?? null,
        })),
      ),
      reqId,
      maxAttempts,
    ],
  };
}

/**
 * The next calendar SEQUENCE of a consultation as a CTE named `name` returning `sequence`; with
 * `gate` (a CTE of the same statement), written only if that CTE has a row.
 */
export function calendarSequenceCte(name: string, consultationId: string, gate?: string): SqlFragment {
  return {
    sql: `${name} as (
       insert into email_calendar_sequences (consultation_id, sequence) select ?::uuid, 0 ${gate ? `from ${gate}` : ''}
       on conflict (consultation_id) do update set sequence = email_calendar_sequences.sequence + 1
       returning sequence
     )`,
    params: [consultationId],
  };
}

/** The next iCalendar SEQUENCE of a consultation's invitation: 0, then one more each time. */
export async function nextCalendarSequence(em: EntityManager, consultationId: string): Promise<number> {
  const next = calendarSequenceCte('next_sequence', consultationId);
  const [row] = await em.execute<{ sequence: number }[]>(`with ${next.sql} select sequence from next_sequence`, next.params);
  return Number(row!.sequence);
}

/** One statement: two opt-outs at once (two clicks, two kinds) cannot undo each other. */
export async function upsertPreferences(
  em: EntityManager,
  userId: string,
  patch: { reminders?: boolean | null; ratingPrompts?: boolean | null },
): Promise<{ reminders: boolean; ratingPrompts: boolean }> {
  const [row] = await em.execute<{ reminders: boolean; rating_prompts: boolean }[]>(
    `insert into email_preferences (user_id, reminders, rating_prompts, updated_at)
     values (?, coalesce(?::boolean, true), coalesce(?::boolean, true), now())
     on conflict (user_id) do update set
       reminders = coalesce(?::boolean, email_preferences.reminders),
       rating_prompts = coalesce(?::boolean, email_preferences.rating_prompts),
       updated_at = now()
     returning reminders, rating_prompts`,
    [userId, patch.reminders ?? null, patch.ratingPrompts ?? null, patch.reminders ?? null, patch.ratingPrompts ?? null],
  );
  return { reminders: row!.reminders, ratingPrompts: row!.rating_prompts };
}
