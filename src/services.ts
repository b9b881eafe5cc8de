import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from './config';
import { AdvisorDirectory } from './modules/advisor/advisor-directory';
import { PrivacyService } from './modules/privacy/privacy.service';
import { AuditReader } from './modules/audit/audit.service';
import { AdvisorService } from './modules/advisor/advisor.service';
import { AvailabilityService } from './modules/availability/availability.service';
import { ChatService } from './modules/chat/chat.service';
import { CalcomSlots } from './modules/availability/calcom-slots';
import { ProfileReview } from './modules/advisor/profile-review';
import type { EventBus } from './modules/consultation/consultation.events';
import { createConsultationModule, type ConsultationModule } from './modules/consultation/consultation.module';
import { EarningsService } from './modules/finance/earnings.service';
import { FinanceService } from './modules/finance/finance.service';
import { LedgerService } from './modules/ledger/ledger.service';
import { NotificationService, type EmailTransport } from './modules/notifications/notification.service';
import { PayoutService } from './modules/payout/payout.service';
import { PriceList } from './modules/pricing/pricing';
import { ReconciliationService } from './modules/reconciliation/reconciliation.service';
import { ReviewService } from './modules/review/review.service';
import { RoleService } from './modules/user/role.service';
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
  audit: AuditReader;
  advisorDirectory: AdvisorDirectory;
  privacy: PrivacyService;
  /** Roles granted in the database (admin), and whether a user holds one. */
  roles: RoleService;
  notifications: NotificationService;
  ledger: LedgerService;
  advisors: AdvisorService;
  /** Approved advisors' changes of display name and booking link, waiting for an admin. */
  profileReview: ProfileReview;
  consultations: ConsultationModule;
  availability: AvailabilityService;
  chat: ChatService;
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
  const calcomSlots = new CalcomSlots(config.calcom.apiBase, config.calcom.apiKey);
  const availability = new AvailabilityService({ config, calcom: calcomSlots, em: () => orm.em.fork() });
  const consultations = createConsultationModule({
    config,
    log,
    priceList,
    payments,
    ledger,
    notifications,
    publisher: deps.events,
    startTimes: availability,
    em: () => orm.em.fork(),
  });
  const profileReview = new ProfileReview({ em: () => orm.em.fork() });
  const advisors = new AdvisorService({ notifications, review: profileReview, em: () => orm.em.fork() });
  const payouts = new PayoutService({ config, log, payments, notifications, ledger, em: () => orm.em.fork() });
  const webhooks = new WebhookService(() => orm.em.fork(), log.child({ component: 'webhooks' }));
  const stripeHandler = new StripeHandler(consultations.reconciliation, payments, deps.payoutHooks ?? payouts);
  webhooks.register(WebhookProvider.STRIPE, stripeHandler.handle, stripeHandler.settled);
  webhooks.register(WebhookProvider.CALCOM, new CalcomHandler(consultations, webhooks, () => orm.em.fork()).handle);
  const users = new UserService();
  return {
    config,
    log,
    orm,
    priceList,
    payments,
    events: deps.events,
    users,
    privacy: new PrivacyService({ advisors, users, em: () => orm.em.fork() }),
    audit: new AuditReader(),
    advisorDirectory: new AdvisorDirectory(),
    roles: new RoleService({ em: () => orm.em.fork() }),
    notifications,
    ledger,
    advisors,
    profileReview,
    consultations,
    availability,
    chat: new ChatService({
      config,
      queries: consultations.queries,
      notifications,
      publisher: deps.events,
      em: () => orm.em.fork(),
    }),
    webhooks,
    calcom: new CalcomClient(config.calcom.apiBase, config.calcom.apiKey),
    reviews: new ReviewService({ advisors, em: () => orm.em.fork() }),
    earnings: new EarningsService({ ledger, em: () => orm.em.fork() }),
    payouts,
    finance: new FinanceService(() => orm.em.fork()),
    reconciliation: new ReconciliationService({ log: log.child({ component: 'ledger-check' }), payments, em: () => orm.em.fork() }),
    limits: createRateLimiter(config, log),
  };
}
