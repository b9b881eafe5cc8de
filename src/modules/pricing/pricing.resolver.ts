import { Ctx, Field, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';

@ObjectType('PricingOption', { description: 'A platform-fixed consultation SKU' })
export class PricingOption {
  @Field({ description: 'e.g. consult_30' }) sku!: string;
  @Field(() => Int, { description: '15, 30 or 60' }) durationMinutes!: number;
  @Field(() => Int, { description: 'What the client pays, in cents' }) priceCents!: number;
  @Field(() => Int, { description: 'What the platform keeps, in cents' }) platformFeeCents!: number;
  @Field(() => Int, { description: 'What the advisor earns, in cents' }) advisorEarningsCents!: number;
  @Field({ description: 'ISO 4217 code in lower case' }) currency!: string;
}

@Resolver()
export class PricingResolver {
  @Query(() => [PricingOption], { description: 'The three consultation SKUs: 15, 30 and 60 minutes' })
  pricing(@Ctx() ctx: Context): PricingOption[] {
    return ctx.services.priceList.skus.map((s) => ({ ...s }));
  }
}
