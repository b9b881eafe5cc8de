import type { EntityManager } from '@mikro-orm/postgresql';
import { enqueue } from '../../jobs/queue';

/**
 * The chat tables' hand-written SQL: only what buys a concurrency guarantee. Everything else goes
 * through MikroORM.
 */
export const chatRepository = {
  /** Serialises one person's sends to one consultation until the transaction ends, so the rate count is exact. */
  async lockSender(em: EntityManager, consultationId: string, userId: string): Promise<void> {
    await em.execute('select pg_advisory_xact_lock(hashtext(?))', [`chat:${consultationId}:${userId}`]);
  },

  /** Moves a read position forward only: two marks racing never move it back. */
  async markRead(em: EntityManager, consultationId: string, userId: string, upTo: Date): Promise<void> {
    await em.execute(
      `insert into consultation_message_reads (consultation_id, user_id, last_read_at) values (?, ?, ?)
       on conflict (consultation_id, user_id)
       do update set last_read_at = greatest(consultation_message_reads.last_read_at, excluded.last_read_at)`,
      [consultationId, userId, upTo],
    );
  },

  /**
   * One unread-message email job per reader and consultation: the job key makes many messages one
   * job. 'preserve_run_at' keeps the first unread message's hour; 'replace' moves it (see notifyUnread).
   */
  async queueUnreadEmail(
    em: EntityManager,
    consultationId: string,
    userId: string,
    runAt: Date,
    mode: 'preserve_run_at' | 'replace',
  ): Promise<void> {
    await enqueue(
      em,
      'chat_unread_email',
      { consultationId, userId },
      { runAt, jobKey: `chat-unread:${consultationId}:${userId}`, jobKeyMode: mode, maxAttempts: 5 },
    );
  },
};
