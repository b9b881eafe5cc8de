import { LockMode, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PersonActor } from '../../common/actor';
import type { Config } from '../../config';
import { DomainError, notFound } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import { cursorShapes, keysetCondition, keysetOrder, pageRequest, toConnection, type ConnectionShape } from '../../graphql/connection';
import { queueDelivery } from './delivery';
import { EmailPreferences, EmailStatus, OutboxEmail } from './email.entity';
import { upsertPreferences } from './email.repository';
import type { OptOutKind } from './templates/types';

/** The outbox as admins see it (the resolver checks the role), and each user's opt-outs. */
export class EmailAdmin {
  constructor(private readonly deps: { config: Config; em: () => EntityManager }) {}

  async list(status: EmailStatus | undefined, first?: number, after?: string): Promise<ConnectionShape<OutboxEmail>> {
    const page = pageRequest({ first, after }, cursorShapes.stringAndId);
    const order = [
      ['createdAt', 'desc'],
      ['id', 'desc'],
    ] as const;
    const and: FilterQuery<OutboxEmail>[] = [];
    if (status) and.push({ status });
    if (page.cursor) and.push(keysetCondition(order, [new Date(page.cursor[0] as string), page.cursor[1]], false));
    const rows = await this.deps.em().find(OutboxEmail, and.length ? { $and: and } : {}, {
      orderBy: keysetOrder(order, false),
      limit: page.size + 1,
    });
    return toConnection(
      rows,
      page,
      (e) => [e.createdAt.toISOString(), e.id],
      (e) => e,
    );
  }

  /** Admin: a FAILED email goes back on the queue, now, with a fresh set of attempts. */
  async resend(id: string): Promise<OutboxEmail> {
    assertUuid(id);
    return this.deps.em().transactional(async (em) => {
      const email = await em.findOne(OutboxEmail, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!email) throw notFound('Email');
      if (email.status !== EmailStatus.FAILED) {
        throw new DomainError('CONFLICT', `Only FAILED emails can be resent; this one is ${email.status.toUpperCase()}`);
      }
      email.status = EmailStatus.PENDING;
      email.lastError = null;
      await em.flush();
      await queueDelivery(em, email.id, null, this.deps.config.email.maxAttempts);
      return email;
    });
  }

  async preferences(actor: PersonActor): Promise<{ reminders: boolean; ratingPrompts: boolean }> {
    const row = await this.deps.em().findOne(EmailPreferences, { userId: actor.id });
    return { reminders: row?.reminders ?? true, ratingPrompts: row?.ratingPrompts ?? true };
  }

  setPreferences(
    actor: PersonActor,
    patch: { reminders?: boolean | null; ratingPrompts?: boolean | null },
  ): Promise<{ reminders: boolean; ratingPrompts: boolean }> {
    return this.writePreferences(actor.id, patch);
  }

  /** The one-click opt-out (the signed link is the credential): turns one kind off, idempotently. */
  async optOut(userId: string, kind: OptOutKind): Promise<void> {
    await this.writePreferences(userId, kind === 'reminders' ? { reminders: false } : { ratingPrompts: false });
  }

  private writePreferences(
    userId: string,
    patch: { reminders?: boolean | null; ratingPrompts?: boolean | null },
  ): Promise<{ reminders: boolean; ratingPrompts: boolean }> {
    return upsertPreferences(this.deps.em(), userId, patch);
  }
}
