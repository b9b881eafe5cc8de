import 'reflect-metadata';
import { isObjectType, type GraphQLSchema } from 'graphql';
import type { PubSub } from 'type-graphql';
import { buildSchema } from 'type-graphql';
import { authChecker } from './auth/auth-checker';
import { classValidatorFn } from './graphql/validation';
import { AdvisorDirectoryResolver } from './modules/advisor/advisor-directory.resolver';
import { PrivacyResolver } from './modules/privacy/privacy.resolver';
import { AuditResolver } from './modules/audit/audit.resolver';
import { AvailabilityResolver } from './modules/availability/availability.resolver';
import { ChatResolver, ConsultationUnreadResolver } from './modules/chat/chat.resolver';
import { AdvisorProfileReviewResolver, AdvisorResolver } from './modules/advisor/advisor.resolver';
import {
  AdminConsultationResolver,
  ConsultationResolver,
  ConsultationSubscriptionResolver,
} from './modules/consultation/consultation.resolver';
import { FinanceResolver } from './modules/finance/finance.resolver';
import { EmailResolver } from './modules/notifications/email.resolver';
import { PayoutResolver } from './modules/payout/payout.resolver';
import { PricingResolver } from './modules/pricing/pricing.resolver';
import { ReconciliationResolver } from './modules/reconciliation/reconciliation.resolver';
import { RoleResolver } from './modules/user/role.resolver';
import { AdvisorReviewsResolver, ReviewResolver } from './modules/review/review.resolver';
import { WebhookResolver } from './modules/webhooks/webhook.resolver';

export const resolvers = [
  PricingResolver,
  AdvisorResolver,
  AdvisorProfileReviewResolver,
  ConsultationResolver,
  AdminConsultationResolver,
  ConsultationSubscriptionResolver,
  WebhookResolver,
  ReviewResolver,
  AdvisorReviewsResolver,
  FinanceResolver,
  PayoutResolver,
  EmailResolver,
  ReconciliationResolver,
  AvailabilityResolver,
  ChatResolver,
  ConsultationUnreadResolver,
  RoleResolver,
  AuditResolver,
  AdvisorDirectoryResolver,
  PrivacyResolver,
] as const;

/** Subscriptions subscribe through `context.services.events`; the pubSub here only satisfies buildSchema. */
export async function createSchema(pubSub: PubSub = noPubSub): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...resolvers],
    authChecker,
    pubSub,
    // class-validator runs on every input type that declares constraints; unknown values are refused by GraphQL itself.
    validateFn: classValidatorFn({ forbidUnknownValues: false, validationError: { target: false, value: false } }),
  });
  assertGuardedFieldsResolve(schema);
  // type-graphql has no decorator for the root types; every other description sits in a decorator.
  schema.getQueryType()!.description = 'Reads: search and profiles for everyone, your own data when signed in, the rest for admins';
  schema.getMutationType()!.description = 'Changes, each in one transaction; side effects (Stripe, email) after it commits';
  schema.getSubscriptionType()!.description = 'Live events over graphql-ws on the same URL (ws:// or wss://)';
  return schema;
}

const noPubSub: PubSub = {
  publish: () => {
    throw new Error('publish through services.events.publishInTransaction');
  },
  subscribe: () => {
    throw new Error('no event bus: pass one to createSchema');
  },
};

/**
 * `simpleResolvers` (used on the public types a search page is made of) leaves a field without
 * type-graphql's wrapper, and so without its @Authorized check and middlewares. Refuses to start
 * if any field that has either ended up without a resolver.
 */
function assertGuardedFieldsResolve(schema: GraphQLSchema): void {
  const storage = globalThis.TypeGraphQLMetadataStorage;
  if (!storage) throw new Error('type-graphql metadata not found: cannot check that guarded fields keep their resolvers');
  for (const field of storage.fields) {
    if (!field.roles?.length && !field.middlewares?.length) continue;
    for (const type of storage.objectTypes) {
      if (type.target !== field.target && !(type.target.prototype instanceof field.target)) continue;
      const graphqlType = schema.getType(type.name);
      const def = isObjectType(graphqlType) ? graphqlType.getFields()[field.schemaName] : undefined;
      if (def && !def.resolve)
        throw new Error(`${type.name}.${field.schemaName} has roles or middlewares but no resolver (simpleResolvers?)`);
    }
  }
}
