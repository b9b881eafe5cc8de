import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from './config';
import { AdvisorService } from './modules/advisor/advisor.service';
import type { EventBus } from './modules/consultation/consultation.events';
import { ConsultationService } from './modules/consultation/consultation.service';
import { LedgerService } from './modules/ledger/ledger.service';
import { NotificationService, type EmailTransport } from './modules/notifications/notification.service';
import { PriceList } from './modules/pricing/pricing';
import { UserService } from './modules/user/user.service';
import type { PaymentGateway } from './payments/gateway';

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
}

export function createServices(deps: {
  config: Config;
  log: Logger;
  orm: MikroORM;
  emailTransport: EmailTransport;
  payments: PaymentGateway;
  events: EventBus;
}): Services {
  const { config, log, orm, payments } = deps;
  const notifications = new NotificationService(deps.emailTransport, config.email.from, config.publicAppUrl);
  const priceList = new PriceList(config.pricing);
  const ledger = new LedgerService();
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
    consultations: new ConsultationService({
      config,
      log,
      priceList,
      payments,
      ledger,
      notifications,
      publisher: deps.events,
      em: () => orm.em.fork(),
    }),
  };
}
