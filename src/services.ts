import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from './config';
import { AdvisorService } from './modules/advisor/advisor.service';
import { NotificationService, type EmailTransport } from './modules/notifications/notification.service';
import { PriceList } from './modules/pricing/pricing';
import { UserService } from './modules/user/user.service';

/** The application's long-lived collaborators, built once per process and shared by all requests. */
export interface Services {
  config: Config;
  log: Logger;
  orm: MikroORM;
  priceList: PriceList;
  users: UserService;
  notifications: NotificationService;
  advisors: AdvisorService;
}

export function createServices(deps: { config: Config; log: Logger; orm: MikroORM; emailTransport: EmailTransport }): Services {
  const { config, log, orm } = deps;
  const notifications = new NotificationService(deps.emailTransport, config.email.from);
  return {
    config,
    log,
    orm,
    priceList: new PriceList(config.pricing),
    users: new UserService(),
    notifications,
    advisors: new AdvisorService(notifications),
  };
}
