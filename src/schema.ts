import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { authChecker } from './auth/auth-checker';
import { AdvisorResolver } from './modules/advisor/advisor.resolver';
import { PricingResolver } from './modules/pricing/pricing.resolver';

export const resolvers = [PricingResolver, AdvisorResolver] as const;

export function createSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...resolvers],
    authChecker,
    // class-validator runs on every input type; unknown values are refused by GraphQL itself.
    validate: { forbidUnknownValues: false, validationError: { target: false, value: false } },
  });
}
