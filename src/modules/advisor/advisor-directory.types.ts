import { IsOptional, MaxLength, ArrayMaxSize } from 'class-validator';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/connection';
import { ConsultationStatus } from '../consultation/consultation.entity';
import { PayoutStatus } from '../payout/payout.entity';
import { ApprovalStatus } from './advisor.entity';
import { AdvisorProfile } from './advisor.types';

export enum AdminAdvisorOrder {
  NEWEST = 'NEWEST',
  NAME = 'NAME',
  RATING = 'RATING',
}

registerEnumType(AdminAdvisorOrder, {
  name: 'AdminAdvisorOrder',
  description: 'The order of the admin advisor directory',
  valuesConfig: {
    NEWEST: { description: 'Latest application first' },
    NAME: { description: 'By display name, A to Z' },
    RATING: { description: 'Best rated first, then most reviewed' },
  },
});

export enum ConnectState {
  NONE = 'NONE',
  ONBOARDING = 'ONBOARDING',
  RESTRICTED = 'RESTRICTED',
  ENABLED = 'ENABLED',
}

registerEnumType(ConnectState, {
  name: 'ConnectState',
  description: "Where the advisor's Stripe Connect account stands",
  valuesConfig: {
    NONE: { description: 'No Connect account yet' },
    ONBOARDING: { description: 'An account whose onboarding is not finished' },
    RESTRICTED: { description: 'Onboarding finished, but Stripe has not enabled payouts' },
    ENABLED: { description: 'Payouts can be sent' },
  },
});

@InputType({ description: 'Which advisors the admin directory lists; every condition given must hold' })
export class AdminAdvisorFilter {
  @Field(() => ApprovalStatus, { nullable: true, description: 'Only advisors in this approval status; every status by default' })
  status?: ApprovalStatus;
  @Field(() => String, { nullable: true, description: 'Free text over display name, bio and email' })
  @IsOptional()
  @MaxLength(100)
  text?: string;
  @Field(() => [String], { nullable: true, description: 'Any of these skills' })
  @IsOptional()
  @ArrayMaxSize(20)
  @MaxLength(50, { each: true })
  skills?: string[];
}

@ObjectType({ description: 'How many consultations of an advisor are in one status' })
export class ConsultationStatusCount {
  @Field(() => ConsultationStatus, { description: 'The status' }) status!: ConsultationStatus;
  @Field(() => Int, { description: 'How many consultations are in it' }) count!: number;
}

@ObjectType({ description: "An advisor's latest payout" })
export class LastPayout {
  @Field(() => ID, { description: 'The payout id' }) id!: string;
  @Field({ description: 'The month paid out, YYYY-MM' }) month!: string;
  @Field(() => Int, { description: 'Its amount in cents' }) totalCents!: number;
  @Field(() => PayoutStatus, { description: 'Where it stands' }) status!: PayoutStatus;
  @Field(() => Date, { nullable: true, description: 'When the transfer was made; null until paid' }) processedAt!: Date | null;
}

@ObjectType({ description: "One advisor in the admin directory: the profile and the advisor's figures" })
export class AdminAdvisorListing {
  @Field(() => AdvisorProfile, { description: 'The profile, in any status' }) profile!: AdvisorProfile;
  @Field(() => Float, { description: 'Average overall rating (0 without reviews)' }) rating!: number;
  @Field(() => Int, { description: 'How many reviews' }) reviewCount!: number;
  @Field(() => [ConsultationStatusCount], { description: 'Consultations per status, every status listed (zero included)' })
  consultationsByStatus!: ConsultationStatusCount[];
  @Field(() => Int, { description: 'Net ledger amount (earnings and adjustments) accrued this calendar month (UTC), in cents' })
  earningsThisMonthCents!: number;
  @Field(() => Int, { description: 'Net ledger amount accrued ever, in cents' }) earningsTotalCents!: number;
  @Field(() => Int, { description: 'Ledger amount in no payout yet, in cents' }) unpaidCents!: number;
  @Field(() => LastPayout, { nullable: true, description: 'The latest payout (by month), if any' }) lastPayout!: LastPayout | null;
  @Field(() => ConnectState, { description: "The advisor's Stripe Connect state" }) connectState!: ConnectState;
}

export const AdminAdvisorConnection = Connection(AdminAdvisorListing, 'AdminAdvisor', 'advisors with their figures');
