import { IsOptional, IsUUID, Matches, MaxLength } from 'class-validator';
import { Field, ID, InputType, Int, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo as PageInfoRef } from '../../graphql/connection';
import { AdvisorPublic } from '../advisor/advisor.types';
import { ChargeStatus, RefundSource } from './charge.entity';
import { ActorKind, ConsultationStatus } from './consultation.entity';

registerEnumType(ConsultationStatus, { name: 'ConsultationStatus' });
registerEnumType(ActorKind, { name: 'ActorKind', description: 'Who caused a change' });
registerEnumType(ChargeStatus, { name: 'ChargeStatus' });
registerEnumType(RefundSource, { name: 'RefundSource' });

export enum ConsultationParty {
  CLIENT = 'client',
  ADVISOR = 'advisor',
}
registerEnumType(ConsultationParty, {
  name: 'ConsultationParty',
  description: 'Whose consultations: the ones you booked, or the ones you give',
});

export enum TimeFilter {
  UPCOMING = 'upcoming',
  PAST = 'past',
}
registerEnumType(TimeFilter, { name: 'TimeFilter' });

@ObjectType('PricingSnapshot', { description: 'The price as it was when the consultation was booked' })
export class PricingSnapshotView {
  @Field() sku!: string;
  @Field() currency!: string;
  @Field(() => Int) rateCents!: number;
  @Field(() => Int) platformFeeCents!: number;
  @Field(() => Int) advisorEarningsCents!: number;
}

/** What every party may see of a consultation. Each party gets its own type on top of this. */
@InterfaceType('Consultation', {
  resolveType: (value: { viewType?: string }) => value.viewType,
})
export abstract class ConsultationView {
  @Field(() => ID) id!: string;
  @Field(() => ConsultationStatus) status!: ConsultationStatus;
  @Field() startTime!: Date;
  @Field() endTime!: Date;
  @Field(() => Int) durationMinutes!: number;
  @Field(() => String, { nullable: true }) videoUrl!: string | null;
  @Field() currency!: string;
  @Field(() => Date, { nullable: true }) cancelledAt!: Date | null;
  @Field(() => ActorKind, { nullable: true }) cancelledBy!: ActorKind | null;
  @Field(() => String, { nullable: true }) cancellationReason!: string | null;
  @Field() createdAt!: Date;
  /** Resolved by the chat module (ConsultationUnreadResolver), per viewer. */
  @Field(() => Int, { description: 'Chat messages from the other parties you have not read yet' }) unreadMessages?: number;
  /** Which GraphQL type this view is; not a field. */
  viewType!: 'ClientConsultation' | 'AdvisorConsultation' | 'AdminConsultation';
}

@ObjectType('ClientConsultation', { implements: ConsultationView, description: 'A consultation as the client who booked it sees it' })
export class ClientConsultation extends ConsultationView {
  @Field(() => AdvisorPublic) advisor!: AdvisorPublic;
  @Field(() => Int) priceCents!: number;
  @Field(() => PricingSnapshotView) pricingSnapshot!: PricingSnapshotView;
  @Field(() => String, { nullable: true }) locale!: string | null;
  @Field(() => String, { nullable: true }) clientTimezone!: string | null;
  @Field(() => ID, { nullable: true }) projectId!: string | null;
  @Field(() => String, { nullable: true }) calBookingId!: string | null;
  @Field(() => ChargeStatus, { nullable: true }) paymentStatus!: ChargeStatus | null;
  @Field(() => Int) refundedCents!: number;
}

/** The advisor sees the client's first name and nothing else of the client. */
@ObjectType('AdvisorConsultation', {
  implements: ConsultationView,
  description: "A consultation as its advisor sees it: the client's first name only",
})
export class AdvisorConsultation extends ConsultationView {
  @Field(() => String, { nullable: true }) clientFirstName!: string | null;
  @Field(() => Int) advisorEarningsCents!: number;
}

@ObjectType('ConsultationClient', { description: 'The client, as admins see them' })
export class ConsultationClient {
  @Field(() => ID) id!: string;
  @Field() email!: string;
  @Field(() => String, { nullable: true }) givenName!: string | null;
  @Field(() => String, { nullable: true }) familyName!: string | null;
}

@ObjectType('Refund')
export class RefundView {
  @Field(() => ID) id!: string;
  @Field(() => Int) amountCents!: number;
  @Field(() => RefundSource) source!: RefundSource;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field() stripeRefundId!: string;
  @Field() createdAt!: Date;
}

@ObjectType('Charge', { description: "The client's payment (admins only)" })
export class ChargeView {
  @Field(() => ID) id!: string;
  @Field(() => ChargeStatus) status!: ChargeStatus;
  @Field(() => Int) totalAmountCents!: number;
  @Field(() => Int) platformFeeCents!: number;
  @Field(() => Int) advisorEarningsCents!: number;
  @Field(() => Int) refundedCents!: number;
  @Field() currency!: string;
  @Field(() => String, { nullable: true }) stripePaymentIntentId!: string | null;
  @Field(() => String, { nullable: true }) stripeChargeId!: string | null;
  @Field(() => String, { nullable: true }) failureMessage!: string | null;
  @Field(() => Date, { nullable: true }) succeededAt!: Date | null;
  @Field(() => [RefundView]) refunds!: RefundView[];
}

@ObjectType('ConsultationStatusChange')
export class StatusChangeView {
  @Field(() => ConsultationStatus, { nullable: true }) fromStatus!: ConsultationStatus | null;
  @Field(() => ConsultationStatus) toStatus!: ConsultationStatus;
  @Field(() => ActorKind) actorKind!: ActorKind;
  @Field(() => ID, { nullable: true }) actorId!: string | null;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field() createdAt!: Date;
}

@ObjectType('AdminConsultation', { implements: ConsultationView, description: 'Everything about a consultation (admins only)' })
export class AdminConsultation extends ConsultationView {
  @Field(() => AdvisorPublic) advisor!: AdvisorPublic;
  @Field(() => ConsultationClient) client!: ConsultationClient;
  @Field(() => Int) priceCents!: number;
  @Field(() => Int) platformFeeCents!: number;
  @Field(() => Int) advisorEarningsCents!: number;
  @Field(() => PricingSnapshotView) pricingSnapshot!: PricingSnapshotView;
  @Field(() => String, { nullable: true }) locale!: string | null;
  @Field(() => String, { nullable: true }) clientTimezone!: string | null;
  @Field(() => ID, { nullable: true }) projectId!: string | null;
  @Field(() => String, { nullable: true }) calBookingId!: string | null;
  @Field(() => String, { nullable: true }) notes!: string | null;
  // charge and statusHistory are resolved by AdminConsultationResolver through batch loaders.
}

@ObjectType('ConsultationEdge')
export class ConsultationEdge {
  @Field() cursor!: string;
  @Field(() => ConsultationView) node!: ConsultationView;
}

@ObjectType('ConsultationConnection')
export class ConsultationConnection {
  @Field(() => [ConsultationEdge]) edges!: ConsultationEdge[];
  @Field(() => PageInfoRef) pageInfo!: PageInfoRef;
}

@ObjectType('BookConsultationPayload')
export class BookConsultationPayload {
  @Field(() => ClientConsultation) consultation!: ClientConsultation;
  @Field(() => String, { nullable: true, description: 'Confirm the payment with Stripe.js when no paymentMethodId was sent' })
  clientSecret!: string | null;
}

@InputType()
export class BookConsultationInput {
  @Field(() => ID) @IsUUID() advisorId!: string;
  @Field(() => Int, { description: '15, 30 or 60' }) durationMinutes!: number;
  @Field() startTime!: Date;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(200) calBookingId?: string | null;
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID() projectId?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(35) locale?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(64) clientTimezone?: string | null;
  @Field(() => String, { nullable: true, description: 'A Stripe payment method to charge at once' })
  @IsOptional()
  @Matches(/^pm_\w{1,200}$/)
  paymentMethodId?: string | null;
}

@InputType()
export class MyConsultationsFilter {
  @Field(() => ConsultationParty, { defaultValue: ConsultationParty.CLIENT }) as!: ConsultationParty;
  @Field(() => [ConsultationStatus], { nullable: true }) status?: ConsultationStatus[];
  @Field(() => TimeFilter, { nullable: true }) when?: TimeFilter;
}

@InputType()
export class AdminConsultationsFilter {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID() advisorId?: string;
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID() clientId?: string;
  @Field(() => [ConsultationStatus], { nullable: true }) status?: ConsultationStatus[];
  @Field({ nullable: true, description: 'Starting at or after' }) from?: Date;
  @Field({ nullable: true, description: 'Starting before' }) to?: Date;
}

@ObjectType('ConsultationStatusEvent', { description: 'A committed status change, with the consultation in your own view of it' })
export class ConsultationStatusEvent {
  @Field(() => ConsultationView) consultation!: ConsultationView;
  @Field(() => ConsultationStatus, { nullable: true }) previousStatus!: ConsultationStatus | null;
  @Field(() => ConsultationStatus) status!: ConsultationStatus;
  @Field() changedAt!: Date;
}
