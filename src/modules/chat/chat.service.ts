import { raw, type EntityManager } from '@mikro-orm/postgresql';
import type { PersonActor } from '../../common/actor';
import { badInput, conflict, DomainError, notFound } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import type { ReadScope } from '../../common/read-scope';
import type { Config } from '../../config';
import {
  cursorShapes,
  keysetCondition,
  keysetOrder,
  pageRequest,
  toConnection,
  type ConnectionShape,
  type PageRequest,
} from '../../graphql/connection';
import type { TransactionalPublisher } from '../consultation/consultation.events';
import { Consultation, ConsultationStatus } from '../consultation/consultation.entity';
import type { ConsultationQueries } from '../consultation/queries';
import type { NotificationService } from '../notifications/notification.service';
import { User } from '../user/user.entity';
import { ChatRole, ConsultationMessage, ConsultationMessageRead } from './chat.entity';
import { chatTopic, type MessageAddedPayload } from './chat.events';
import { chatRepository } from './chat.repository';

/** The chat stays open this long after the consultation ends (or is cancelled). */
export const CHAT_OPEN_AFTER_END_MS = 7 * 86_400_000;
const EPOCH = new Date(0);

/** A message with what its views need: the consultation's parties, for the sender's name. */
export type MessageRow = ConsultationMessage & { consultation: Consultation };

const notSentBy = (userId: string) => ({ $or: [{ sender: null }, { sender: { $ne: userId } }] });

/**
 * Consultation chat: the client, the advisor and admins (support) exchange messages from the
 * booking until 7 days after the consultation ends. Messages are announced on the event bus when
 * their transaction commits; a message left unread for CHAT_UNREAD_EMAIL_MINUTES is emailed once
 * per reader (a keyed job). Anyone else is told the consultation does not exist.
 */
export class ChatService {
  constructor(
    private readonly deps: {
      config: Config;
      queries: ConsultationQueries;
      notifications: NotificationService;
      publisher: TransactionalPublisher;
      em: () => EntityManager;
    },
  ) {}

  async list(scope: ReadScope, consultationId: string, paging: PageRequest): Promise<ConnectionShape<MessageRow>> {
    const { consultation } = await this.deps.queries.get(scope, consultationId);
    const page = pageRequest(paging, cursorShapes.stringAndId);
    const order = [
      ['createdAt', 'asc'],
      ['id', 'asc'],
    ] as const;
    const and: object[] = [{ consultation: consultation.id }];
    if (page.cursor) and.push(keysetCondition(order, [new Date(page.cursor[0] as string), page.cursor[1]], page.backward));
    const rows = await scope.em.find(
      ConsultationMessage,
      { $and: and },
      { orderBy: keysetOrder(order, page.backward), limit: page.size + 1, populate: ['consultation.advisor', 'consultation.client'] },
    );
    return toConnection(
      rows as MessageRow[],
      page,
      (m) => [m.createdAt.toISOString(), m.id],
      (m) => m,
    );
  }

  /** Checks the viewer may follow the consultation's chat (NOT_FOUND otherwise); answers its topic. */
  async topicFor(scope: ReadScope, consultationId: string): Promise<string> {
    const { consultation } = await this.deps.queries.get(scope, consultationId);
    return chatTopic(consultation.id);
  }

  async send(actor: PersonActor, consultationId: string, rawText: string): Promise<MessageRow> {
    assertUuid(consultationId, 'consultationId');
    const { config } = this.deps;
    const text = rawText.trim();
    if (!text) throw badInput('text', 'must not be empty');
    if (text.length > config.chat.maxChars) throw badInput('text', `must be at most ${config.chat.maxChars} characters`);
    return this.deps.em().transactional(async (em) => {
      const c = await em.findOne(Consultation, { id: consultationId }, { populate: ['advisor.user', 'client'] });
      const role = c && roleOf(actor, c);
      if (!c || !role) throw notFound('Consultation');
      const closesAt = chatClosesAt(c);
      if (Date.now() > closesAt.getTime()) {
        throw conflict(`The chat of this consultation closed on ${closesAt.toISOString()}`, { reason: 'CHAT_CLOSED' });
      }
      await chatRepository.lockSender(em, c.id, actor.id);
      const windowStart = new Date(Date.now() - 60_000);
      const recent = await em.find(
        ConsultationMessage,
        { consultation: c.id, sender: actor.id, createdAt: { $gt: windowStart } },
        { fields: ['createdAt'], orderBy: { createdAt: 'asc' } },
      );
      if (recent.length >= config.chat.perMinute) {
        const retryAfter = Math.max(1, Math.ceil((recent[0]!.createdAt.getTime() + 60_000 - Date.now()) / 1000));
        throw new DomainError('RATE_LIMITED', `At most ${config.chat.perMinute} messages a minute; try again in ${retryAfter} s`, {
          retryAfter,
        });
      }
      const message = new ConsultationMessage(c, em.getReference(User, actor.id), role, text);
      em.persist(message);
      await em.flush();
      // Writing is reading what came before.
      await chatRepository.markRead(em, c.id, actor.id, message.createdAt);
      const runAt = new Date(message.createdAt.getTime() + config.chat.unreadEmailMinutes * 60_000);
      for (const reader of [c.client.id, c.advisor.user.id]) {
        if (reader !== actor.id) await chatRepository.queueUnreadEmail(em, c.id, reader, runAt, 'preserve_run_at');
      }
      const payload: MessageAddedPayload = { messageId: message.id, consultationId: c.id };
      await this.deps.publisher.publishInTransaction(em, chatTopic(c.id), payload);
      return message as MessageRow;
    });
  }

  /** Marks everything in the chat read for the actor; answers how many messages that was. */
  async markRead(actor: PersonActor, consultationId: string): Promise<number> {
    assertUuid(consultationId, 'consultationId');
    return this.deps.em().transactional(async (em) => {
      const c = await em.findOne(Consultation, { id: consultationId }, { populate: ['advisor.user', 'client'] });
      if (!c || !roleOf(actor, c)) throw notFound('Consultation');
      const unread = await this.unread(em, c.id, actor.id);
      const last = unread.at(-1);
      if (last) await chatRepository.markRead(em, c.id, actor.id, last.createdAt);
      return unread.length;
    });
  }

  /** A committed message, for subscribers (read with their own EntityManager). */
  async message(em: EntityManager, id: string): Promise<MessageRow | null> {
    return (await em.findOne(
      ConsultationMessage,
      { id },
      { populate: ['consultation.advisor', 'consultation.client'] },
    )) as MessageRow | null;
  }

  /**
   * The unread-message email (the job queued at send): nothing when everything was read meanwhile;
   * later when the oldest unread message is younger than the delay (the reader caught up in
   * between); else one email, once per newest message (its id keys the outbox row).
   */
  async notifyUnread(consultationId: string, userId: string): Promise<'sent' | 'read' | 'later'> {
    const { config, notifications } = this.deps;
    return this.deps.em().transactional(async (em) => {
      const c = await em.findOne(Consultation, { id: consultationId }, { populate: ['advisor.user', 'client'] });
      if (!c) return 'read';
      const unread = await this.unread(em, c.id, userId);
      if (!unread.length) return 'read';
      const due = unread[0]!.createdAt.getTime() + config.chat.unreadEmailMinutes * 60_000;
      if (due > Date.now() + 1000) {
        await chatRepository.queueUnreadEmail(em, c.id, userId, new Date(due), 'replace');
        return 'later';
      }
      const facts = {
        consultationId: c.id,
        startTime: c.startTime.toISOString(),
        durationMinutes: c.durationMinutes,
        unreadCount: unread.length,
      };
      const dedupeKey = `chat-unread:${c.id}:${userId}:${unread.at(-1)!.id}`;
      if (userId === c.client.id) {
        await notifications.enqueue(em, {
          dedupeKey,
          to: c.client.email,
          recipientId: c.client.id,
          template: 'consultation-chat-unread',
          data: {
            locale: c.locale,
            timeZone: c.clientTimezone,
            firstName: c.client.givenName,
            ...facts,
            advisorName: c.advisor.displayName,
          },
        });
      } else if (userId === c.advisor.user.id) {
        const a = c.advisor;
        await notifications.enqueue(em, {
          dedupeKey,
          to: a.user.email,
          recipientId: a.user.id,
          template: 'advisor-chat-unread',
          // The advisor learns the client's first name and nothing else about them.
          data: { locale: a.locale, timeZone: a.timezone, firstName: a.user.givenName, ...facts, clientFirstName: c.client.givenName },
        });
      }
      return 'sent';
    });
  }

  private async unread(
    em: EntityManager,
    consultationId: string,
    userId: string,
  ): Promise<Pick<ConsultationMessage, 'id' | 'createdAt'>[]> {
    const read = await em.findOne(ConsultationMessageRead, { consultation: consultationId, user: userId });
    return em.find(
      ConsultationMessage,
      { consultation: consultationId, createdAt: { $gt: read?.lastReadAt ?? EPOCH }, ...notSentBy(userId) },
      { orderBy: { createdAt: 'asc', id: 'asc' }, fields: ['id', 'createdAt'] },
    );
  }
}

/** The client, the advisor, or an admin (support); null for anyone else. */
function roleOf(actor: PersonActor, c: Consultation): ChatRole | null {
  if (c.client.id === actor.id) return ChatRole.CLIENT;
  if (c.advisor.user.id === actor.id) return ChatRole.ADVISOR;
  return actor.isAdmin ? ChatRole.SUPPORT : null;
}

/** 7 days after the end, or after the cancellation when it was cancelled before the end. */
export function chatClosesAt(c: Consultation): Date {
  const end = c.status === ConsultationStatus.CANCELLED && c.cancelledAt && c.cancelledAt < c.endTime ? c.cancelledAt : c.endTime;
  return new Date(end.getTime() + CHAT_OPEN_AFTER_END_MS);
}

/** Unread messages per consultation for one person, in one statement for a page of consultations. */
export async function unreadCounts(em: EntityManager, userId: string, consultationIds: readonly string[]): Promise<Map<string, number>> {
  const reads = await em.find(ConsultationMessageRead, { user: userId, consultation: { $in: [...consultationIds] } });
  const readAt = new Map(reads.map((r) => [r.consultation.id, r.lastReadAt]));
  const rows = await em
    .createQueryBuilder(ConsultationMessage, 'm')
    .select(['m.consultation', raw('count(*)::int as n')])
    .where({
      $and: [notSentBy(userId), { $or: consultationIds.map((id) => ({ consultation: id, createdAt: { $gt: readAt.get(id) ?? EPOCH } })) }],
    })
    .groupBy('m.consultation')
    .execute<{ consultation_id: string; n: number }[]>('all', false);
  return new Map(rows.map((r) => [r.consultation_id, Number(r.n)]));
}
