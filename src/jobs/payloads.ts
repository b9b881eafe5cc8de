import type { RefundSource } from '../modules/consultation/charge.entity';
import type { ReminderRole } from '../modules/notifications/notification.service';
import type { LedgerCheckPayload } from '../modules/reconciliation/reconciliation.service';

/**
 * Every job the queue runs, by name, with the payload it carries. `enqueue` (queue.ts) accepts
 * only these names and payloads, and the task list (worker.ts) gets each payload typed from here.
 * `reqId` is added by `enqueue`: the id of the request that queued the job, for its log lines.
 */
export interface JobPayloads {
  deliver_email: { id: string };
  expire_unpaid_booking: { consultationId: string };
  settle_hold: { consultationId: string };
  /** The recovery sweep (crontab, and once soon after start). */
  recover_payments: Record<string, never>;
  process_webhook_event: { id: string };
  calcom_cancel_booking: { uid: string; reason: string };
  refund_consultation: { consultationId: string; source: RefundSource; userId: string | null; reason: string | null };
  process_payout: { payoutId: string };
  send_reminder: { consultationId: string; role: ReminderRole };
  check_ledger: LedgerCheckPayload;
  /** A consultation chat message left unread by its reader (chat.repository.ts queues it). */
  chat_unread_email: { consultationId: string; userId: string };
}

export type JobName = keyof JobPayloads;

declare global {
  // graphile-worker types its task list and addJob from this interface.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace GraphileWorker {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Tasks extends JobPayloads {}
  }
}
