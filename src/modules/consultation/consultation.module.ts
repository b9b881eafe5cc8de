import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import type { PaymentGateway } from '../../payments/gateway';
import type { LedgerService } from '../ledger/ledger.service';
import type { NotificationService } from '../notifications/notification.service';
import type { PriceList } from '../pricing/pricing';
import { ConsultationActions } from './actions';
import { ConsultationBooking } from './booking';
import { ConsultationCalendar } from './calendar';
import type { TransactionalPublisher } from './consultation.events';
import { ConsultationLifecycle } from './lifecycle';
import { PaymentReconciliation } from './payment-reconciliation';
import { ConsultationQueries } from './queries';
import { ConsultationRefunds } from './refunds';
import type { Advisor } from '../advisor/advisor.entity';
import type { WeeklySpanRow } from '../availability/weekly-hours.entity';

/** A start a client asks to book. */
export interface StartTimeRequest {
  /** The approved advisor, as the booking loaded it (so that it is read once per booking). */
  advisor: Advisor;
  startTime: Date;
  durationMinutes: number;
  calBookingId?: string | null;
  /** The advisor's weekly hours, when the booking read them with the advisor (in weekday and start order). */
  weeklyHours?: readonly WeeklySpanRow[];
}

/** Whether an advisor offers a start (the availability module decides); without one, any start within the notice and horizon is. */
export interface StartTimePolicy {
  assertBookable(req: StartTimeRequest): Promise<void>;
}

/**
 * The consultation module, split along its callers: booking and payment (GraphQL and jobs),
 * actions (GraphQL and Cal.com), refunds (jobs), payment reconciliation (the Stripe handler),
 * calendar (the Cal.com handler and job), queries (GraphQL). Only the lifecycle changes a status.
 */
export interface ConsultationModule {
  lifecycle: ConsultationLifecycle;
  booking: ConsultationBooking;
  refunds: ConsultationRefunds;
  actions: ConsultationActions;
  reconciliation: PaymentReconciliation;
  calendar: ConsultationCalendar;
  queries: ConsultationQueries;
}

export function createConsultationModule(deps: {
  config: Config;
  log: Logger;
  priceList: PriceList;
  payments: PaymentGateway;
  ledger: LedgerService;
  notifications: NotificationService;
  publisher: TransactionalPublisher;
  startTimes?: StartTimePolicy;
  em: () => EntityManager;
}): ConsultationModule {
  const { ledger, notifications, em } = deps;
  const lifecycle = new ConsultationLifecycle({ ledger, notifications, publisher: deps.publisher });
  const refunds = new ConsultationRefunds({ log: deps.log, payments: deps.payments, ledger, notifications, lifecycle, em });
  const booking = new ConsultationBooking({ ...deps, lifecycle, refunds });
  return {
    lifecycle,
    booking,
    refunds,
    actions: new ConsultationActions({ ...deps, lifecycle, booking, refunds }),
    reconciliation: new PaymentReconciliation({ ledger, notifications, lifecycle, booking, refunds, em }),
    calendar: new ConsultationCalendar({ notifications, lifecycle, em }),
    queries: new ConsultationQueries(),
  };
}
