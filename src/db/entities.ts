import { Advisor, AdvisorStatusChange } from '../modules/advisor/advisor.entity';
import { AdvisorWeeklyHours } from '../modules/availability/weekly-hours.entity';
import { ConsultationMessage, ConsultationMessageRead } from '../modules/chat/chat.entity';
import { AdvisorProfileChange } from '../modules/advisor/profile-change.entity';
import { ConsultationCharge, Refund } from '../modules/consultation/charge.entity';
import { Consultation, ConsultationStatusChange } from '../modules/consultation/consultation.entity';
import { LedgerEntry } from '../modules/ledger/ledger.entity';
import { CalendarSequence, EmailPreferences, OutboxEmail } from '../modules/notifications/email.entity';
import { AdvisorPayout, PayoutStatusChange } from '../modules/payout/payout.entity';
import { LedgerCheckFinding, LedgerCheckRun } from '../modules/reconciliation/reconciliation.entity';
import { AdvisorReview } from '../modules/review/review.entity';
import { AuditEntry } from '../modules/audit/audit.entity';
import { User } from '../modules/user/user.entity';
import { UserRole } from '../modules/user/user-role.entity';
import { WebhookEvent } from '../modules/webhooks/webhook-event.entity';
import { JobWorkerHeartbeat } from './worker-heartbeat.entity';
import { BaseEntity, UpdatedEntity } from './base.entity';

/** Listed explicitly rather than discovered from folders, so ts-node, jest and the build agree. */
export const entities = [
  BaseEntity,
  UpdatedEntity,
  User,
  Advisor,
  AdvisorStatusChange,
  Consultation,
  ConsultationStatusChange,
  ConsultationCharge,
  Refund,
  LedgerEntry,
  AdvisorReview,
  AdvisorPayout,
  PayoutStatusChange,
  WebhookEvent,
  OutboxEmail,
  EmailPreferences,
  CalendarSequence,
  JobWorkerHeartbeat,
  LedgerCheckRun,
  LedgerCheckFinding,
  AdvisorWeeklyHours,
  ConsultationMessage,
  ConsultationMessageRead,
  UserRole,
  AuditEntry,
  AdvisorProfileChange,
];
