import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from './config';
import { AdvisorService } from './modules/advisor/advisor.service';
import type { EventBus } from './modules/consultation/consultation.events';
import { ConsultationService } from './modules/consultation/consultation.service';
import { EarningsService } from './modules/finance/earnings.service';
import { FinanceService } from './modules/finance/finance.service';
import { LedgerService } from './modules/ledger/ledger.service';
import { NotificationService, type EmailTransport } from './modules/notifications/notification.service';
import { PayoutService } from './modules/payout/payout.service';
import { PriceList } from './modules/pricing/pricing';
import { ReconciliationService } from './modules/reconciliation/reconciliation.service';
import { ReviewService } from './modules/review/review.service';
import { UserService } from './modules/user/user.service';
import type { PaymentGateway } from './payments/gateway';
import { CalcomClient } from './modules/webhooks/calcom.client';
import { CalcomHandler } from './modules/webhooks/calcom.handler';
import { StripeHandler, type PayoutHooks } from './modules/webhooks/stripe.handler';
import { WebhookProvider } from './modules/webhooks/webhook-event.entity';
import { WebhookService } from './modules/webhooks/webhook.service';
import { createRateLimiter, type RateLimiter } from './http/rate-limit';

/** The application's long-lived collaborators, built once per process and shared by all requests. */
export interface Services {
  config: Config;
  log: Logger;
  orm: MikroORM;
  priceList: PriceList;
  payments: PaymentGateway;
  /** Committed-change events across every instance (PostgreSQL LISTEN/NOTIFY). */
  events: EventBus;
  users: UserService;
  notifications: NotificationService;
  ledger: LedgerService;
  advisors: AdvisorService;
  consultations: ConsultationService;
  webhooks: WebhookService;
  calcom: CalcomClient;
  reviews: ReviewService;
  earnings: EarningsService;
  payouts: PayoutService;
  finance: FinanceService;
  reconciliation: ReconciliationService;
  /** Rate limits and WebSocket caps, in memory or shared through Redis (REDIS_URL). */
  limits: RateLimiter;
}

export function createServices(deps: {
  config: Config;
  log: Logger;
  orm: MikroORM;
  emailTransport: EmailTransport;
  payments: PaymentGateway;
  events: EventBus;
  payoutHooks?: PayoutHooks;
}): Services {
  const { config, log, orm, payments } = deps;
  const notifications = new NotificationService({
    transport: deps.emailTransport,
    config,
    log: log.child({ component: 'email' }),
    em: () => orm.em.fork(),
  });
  const priceList = new PriceList(config.pricing);
  const ledger = new LedgerService();
  const consultations = new ConsultationService({
    config,
    log,
    priceList,
    payments,
    ledger,
    notifications,
    publisher: deps.events,
    em: () => orm.em.fork(),
  });
  const payouts = new PayoutService({ config, log, payments, notifications, ledger, em: () => orm.em.fork() });
  const webhooks = new WebhookService(() => orm.em.fork(), log.child({ component: 'webhooks' }));
  webhooks.register(WebhookProvider.STRIPE, new StripeHandler(consultations, payments, deps.payoutHooks ?? payouts).handle);
  webhooks.register(WebhookProvider.CALCOM, new CalcomHandler(consultations, webhooks, () => orm.em.fork()).handle);
  return {
    config,
    log,
    orm,
    priceList,
    payments,
    events: deps.events,
    users: new UserService(),
    notifications,
    ledger,
    advisors: new AdvisorService(notifications),
    consultations,
    webhooks,
    calcom: new CalcomClient(config.calcom.apiBase, config.calcom.apiKey),
    reviews: new ReviewService(),
    earnings: new EarningsService({ ledger, em: () => orm.em.fork() }),
    payouts,
    finance: new FinanceService(() => orm.em.fork()),
    reconciliation: new ReconciliationService({ log: log.child({ component: 'ledger-check' }), payments, em: () => orm.em.fork() }),
    limits: createRateLimiter(config, log),
  };
}
