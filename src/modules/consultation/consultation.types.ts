import { IsOptional, IsUUID, Matches, MaxLength } from 'class-validator';
import { Field, ID, InputType, Int, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo as PageInfoRef } from '../../graphql/connection';
import { AdvisorPublic } from '../advisor/advisor.types';
import { ChargeStatus, RefundSource } from './charge.entity';
import { ActorKind, ConsultationStatus } from './consultation.entity';

registerEnumType(ConsultationStatus, {
  name: 'ConsultationStatus',
  description: 'Where a consultation stands in its lifecycle',
  valuesConfig: {
    CANCELLED: { description: 'Cancelled, declined or expired unpaid (final)' },
    COMPLETED: { description: 'Took place (final)' },
    IN_PROGRESS: { description: 'The meeting has started' },
    NO_SHOW: { description: 'The client did not come (final, no refund)' },
    PENDING_PAYMENT: { description: 'Booked; the slot is held until paid or expired' },
    SCHEDULED: { description: 'Paid and booked' },
  },
});
registerEnumType(ActorKind, {
  name: 'ActorKind',
  description: 'Who caused a change',
  valuesConfig: {
    ADMIN: { description: 'An admin' },
    ADVISOR: { description: 'The advisor' },
    CALCOM: { description: 'Cal.com, through a webhook' },
    CLIENT: { description: 'The client' },
    STRIPE: { description: 'Stripe, through a webhook' },
    SYSTEM: { description: 'The server itself (an expiry, a sweep or a job)' },
  },
});
registerEnumType(ChargeStatus, {
  name: 'ChargeStatus',
  description: "Where a consultation's payment stands at Stripe",
  valuesConfig: {
    CANCELED: { description: 'The payment was called off before it succeeded' },
    FAILED: { description: 'The card was declined' },
    PENDING: { description: 'Waiting for the payment' },
    REFUNDED: { description: 'Paid, then refunded in full' },
    SUCCEEDED: { description: 'Paid' },
  },
});
registerEnumType(RefundSource, {
  name: 'RefundSource',
  description: 'What caused a refund',
  valuesConfig: {
    ADMIN: { description: "An admin's discretionary refund" },
    ADVISOR_CANCELLATION: { description: 'The advisor cancelled' },
    CALCOM_CANCELLATION: { description: 'Cancelled on Cal.com' },
    CLIENT_CANCELLATION: { description: 'The client cancelled more than 24 h ahead' },
    STRIPE_OUTSIDE: { description: 'Refunded in the Stripe dashboard, outside the API' },
  },
});

export enum ConsultationParty {
  CLIENT = 'client',
  ADVISOR = 'advisor',
}
registerEnumType(ConsultationParty, {
  name: 'ConsultationParty',
  description: 'Whose consultations: the ones you booked, or the ones you give',
  valuesConfig: { ADVISOR: { description: 'The consultations you give' }, CLIENT: { description: 'The consultations you booked' } },
});

export enum TimeFilter {
  UPCOMING = 'upcoming',
  PAST = 'past',
}
registerEnumType(TimeFilter, {
  name: 'TimeFilter',
  description: 'Consultations ahead of now or behind it',
  valuesConfig: { PAST: { description: 'Started before now' }, UPCOMING: { description: 'Starting from now on' } },
});

@ObjectType('PricingSnapshot', { description: 'The price as it was when the consultation was booked' })
export class PricingSnapshotView {
  @Field({ description: 'e.g. consult_30' }) sku!: string;
  @Field({ description: 'ISO 4217 code in lower case' }) currency!: string;
  @Field(() => Int, { description: 'The price, in cents' }) rateCents!: number;
  @Field(() => Int, { description: "The platform's share, in cents" }) platformFeeCents!: number;
  @Field(() => Int, { description: "The advisor's share, in cents" }) advisorEarningsCents!: number;
}

/** What every party may see of a consultation. Each party gets its own type on top of this. */
@InterfaceType('Consultation', {
  description: 'What every party may see of a consultation; each party gets its own type with more',
  resolveType: (value: { viewType?: string }) => value.viewType,
})
export abstract class ConsultationView {
  @Field(() => ID, { description: 'The consultation id' }) id!: string;
  @Field(() => ConsultationStatus, { description: 'Where the consultation stands' }) status!: ConsultationStatus;
  @Field({ description: 'When it starts' }) startTime!: Date;
  @Field({ description: 'When it ends (start + duration)' }) endTime!: Date;
  @Field(() => Int, { description: '15, 30 or 60' }) durationMinutes!: number;
  @Field(() => String, { description: 'The meeting link, once Cal.com has made one', nullable: true }) videoUrl!: string | null;
  @Field({ description: 'ISO 4217 code in lower case, e.g. usd' }) currency!: string;
  @Field(() => Date, { description: 'When it was cancelled', nullable: true }) cancelledAt!: Date | null;
  @Field(() => ActorKind, { description: 'Who cancelled it', nullable: true }) cancelledBy!: ActorKind | null;
  @Field(() => String, { description: 'Why it was cancelled, as given', nullable: true }) cancellationReason!: string | null;
  @Field({ description: 'When it was booked' }) createdAt!: Date;
  /** Resolved by the chat module (ConsultationUnreadResolver), per viewer. */
  @Field(() => Int, { description: 'Chat messages from the other parties you have not read yet' }) unreadMessages?: number;
  /** Which GraphQL type this view is; not a field. */
  viewType!: 'ClientConsultation' | 'AdvisorConsultation' | 'AdminConsultation';
}

@ObjectType('ClientConsultation', { implements: ConsultationView, description: 'A consultation as the client who booked it sees it' })
export class ClientConsultation extends ConsultationView {
  @Field(() => AdvisorPublic, { description: 'The advisor, as the public sees them' }) advisor!: AdvisorPublic;
  @Field(() => Int, { description: 'What you paid, in cents' }) priceCents!: number;
  @Field(() => PricingSnapshotView, { description: 'The price and its split when booked' }) pricingSnapshot!: PricingSnapshotView;
  @Field(() => String, { description: 'Language for emails, e.g. en', nullable: true }) locale!: string | null;
  @Field(() => String, { description: 'Your IANA time zone, for emails', nullable: true }) clientTimezone!: string | null;
  @Field(() => ID, { description: 'Your own reference, if you sent one', nullable: true }) projectId!: string | null;
  @Field(() => String, { description: 'The Cal.com booking uid, once linked', nullable: true }) calBookingId!: string | null;
  @Field(() => ChargeStatus, { description: 'Where the payment stands', nullable: true }) paymentStatus!: ChargeStatus | null;
  @Field(() => Int, { description: 'Refunded to you so far, in cents' }) refundedCents!: number;
}

/** The advisor sees the client's first name and nothing else of the client. */
@ObjectType('AdvisorConsultation', {
  implements: ConsultationView,
  description: "A consultation as its advisor sees it: the client's first name only",
})
export class AdvisorConsultation extends ConsultationView {
  @Field(() => String, { description: "The client's first name", nullable: true }) clientFirstName!: string | null;
  @Field(() => Int, { description: 'What you earn from it, in cents' }) advisorEarningsCents!: number;
}

@ObjectType('ConsultationClient', { description: 'The client, as admins see them' })
export class ConsultationClient {
  @Field(() => ID, { description: 'The user id' }) id!: string;
  @Field({ description: 'Email address' }) email!: string;
  @Field(() => String, { description: 'First name', nullable: true }) givenName!: string | null;
  @Field(() => String, { description: 'Last name', nullable: true }) familyName!: string | null;
}

@ObjectType('Refund', { description: 'Money given back to the client: one Stripe refund' })
export class RefundView {
  @Field(() => ID, { description: 'The refund id' }) id!: string;
  @Field(() => Int, { description: 'Refunded, in cents' }) amountCents!: number;
  @Field(() => RefundSource, { description: 'What caused it' }) source!: RefundSource;
  @Field(() => String, { description: 'Why, as given', nullable: true }) reason!: string | null;
  @Field({ description: 'The Stripe refund id' }) stripeRefundId!: string;
  @Field({ description: 'When it was recorded' }) createdAt!: Date;
}

@ObjectType('Charge', { description: "The client's payment (admins only)" })
export class ChargeView {
  @Field(() => ID, { description: 'The charge id' }) id!: string;
  @Field(() => ChargeStatus, { description: 'Where the payment stands' }) status!: ChargeStatus;
  @Field(() => Int, { description: 'What the client paid, in cents' }) totalAmountCents!: number;
  @Field(() => Int, { description: "The platform's share, in cents" }) platformFeeCents!: number;
  @Field(() => Int, { description: "The advisor's share, in cents" }) advisorEarningsCents!: number;
  @Field(() => Int, { description: 'Refunded so far, in cents' }) refundedCents!: number;
  @Field({ description: 'ISO 4217 code in lower case' }) currency!: string;
  @Field(() => String, { description: 'The Stripe PaymentIntent id', nullable: true }) stripePaymentIntentId!: string | null;
  @Field(() => String, { description: 'The Stripe charge id', nullable: true }) stripeChargeId!: string | null;
  @Field(() => String, { description: "Stripe's reason when the payment failed", nullable: true }) failureMessage!: string | null;
  @Field(() => Date, { description: 'When the payment succeeded', nullable: true }) succeededAt!: Date | null;
  @Field(() => [RefundView], { description: 'Every refund of this payment' }) refunds!: RefundView[];
}

@ObjectType('ConsultationStatusChange', { description: 'One step in the status history of a consultation: who, when and why' })
export class StatusChangeView {
  @Field(() => ConsultationStatus, { description: 'The status before; null when booked', nullable: true })
  fromStatus!: ConsultationStatus | null;
  @Field(() => ConsultationStatus, { description: 'The status after' }) toStatus!: ConsultationStatus;
  @Field(() => ActorKind, { description: 'What kind of actor made the change' }) actorKind!: ActorKind;
  @Field(() => ID, { description: 'Who (user id), when a person', nullable: true }) actorId!: string | null;
  @Field(() => String, { description: 'Why, in words', nullable: true }) reason!: string | null;
  @Field({ description: 'When' }) createdAt!: Date;
}

@ObjectType('AdminConsultation', { implements: ConsultationView, description: 'Everything about a consultation (admins only)' })
export class AdminConsultation extends ConsultationView {
  @Field(() => AdvisorPublic, { description: 'The advisor' }) advisor!: AdvisorPublic;
  @Field(() => ConsultationClient, { description: 'The client who booked' }) client!: ConsultationClient;
  @Field(() => Int, { description: 'What the client paid, in cents' }) priceCents!: number;
  @Field(() => Int, { description: "The platform's share, in cents" }) platformFeeCents!: number;
  @Field(() => Int, { description: "The advisor's share, in cents" }) advisorEarningsCents!: number;
  @Field(() => PricingSnapshotView, { description: 'The price and its split when booked' }) pricingSnapshot!: PricingSnapshotView;
  @Field(() => String, { description: "The client's language for emails", nullable: true }) locale!: string | null;
  @Field(() => String, { description: "The client's IANA time zone", nullable: true }) clientTimezone!: string | null;
  @Field(() => ID, { description: "The client's own reference", nullable: true }) projectId!: string | null;
  @Field(() => String, { description: 'The Cal.com booking uid, once linked', nullable: true }) calBookingId!: string | null;
  @Field(() => String, { description: 'Internal notes', nullable: true }) notes!: string | null;
  // charge and statusHistory are resolved by AdminConsultationResolver through batch loaders.
}

@ObjectType('ConsultationEdge', { description: 'One consultation in a page, with its cursor' })
export class ConsultationEdge {
  @Field({ description: 'Opaque; pass it as `after` or `before` to page from here' }) cursor!: string;
  @Field(() => ConsultationView, { description: 'The consultation' }) node!: ConsultationView;
}

@ObjectType('ConsultationConnection', { description: 'A page of consultations' })
export class ConsultationConnection {
  @Field(() => [ConsultationEdge], { description: 'The consultations of this page, in list order' }) edges!: ConsultationEdge[];
  @Field(() => PageInfoRef, { description: 'Cursors and whether there is more either way' }) pageInfo!: PageInfoRef;
}

@ObjectType('BookConsultationPayload', { description: 'The booked consultation, and how to pay for it when no payment method was sent' })
export class BookConsultationPayload {
  @Field(() => ClientConsultation, { description: 'The consultation, PENDING_PAYMENT or SCHEDULED' }) consultation!: ClientConsultation;
  @Field(() => String, { nullable: true, description: 'Confirm the payment with Stripe.js when no paymentMethodId was sent' })
  clientSecret!: string | null;
}

@InputType({ description: 'What to book: an advisor, a length and a start; the price comes from the SKU' })
export class BookConsultationInput {
  @Field(() => ID, { description: 'The approved advisor to book' }) @IsUUID() advisorId!: string;
  @Field(() => Int, { description: '15, 30 or 60' }) durationMinutes!: number;
  @Field({ description: 'When it starts; ahead by at least the minimum notice' }) startTime!: Date;
  @Field(() => String, { description: 'The Cal.com booking uid, when booked through Cal.com', nullable: true })
  @IsOptional()
  @MaxLength(200)
  calBookingId?: string | null;
  @Field(() => ID, { description: 'Your own reference, kept with the booking', nullable: true }) @IsOptional() @IsUUID() projectId?:
    string | null;
  @Field(() => String, { description: 'Language for emails, e.g. en', nullable: true }) @IsOptional() @MaxLength(35) locale?: string | null;
  @Field(() => String, { description: 'Your IANA time zone, for emails', nullable: true }) @IsOptional() @MaxLength(64) clientTimezone?:
    string | null;
  @Field(() => String, { nullable: true, description: 'A Stripe payment method to charge at once' })
  @IsOptional()
  @Matches(/^pm_\w{1,200}$/)
  paymentMethodId?: string | null;
}

@InputType({ description: 'Which of your consultations to list' })
export class MyConsultationsFilter {
  @Field(() => ConsultationParty, { description: 'As client (booked) or as advisor (given)', defaultValue: ConsultationParty.CLIENT })
  as!: ConsultationParty;
  @Field(() => [ConsultationStatus], { description: 'Only these statuses', nullable: true }) status?: ConsultationStatus[];
  @Field(() => TimeFilter, { description: 'Only upcoming or only past ones', nullable: true }) when?: TimeFilter;
}

@InputType({ description: 'Which consultations an admin search returns; every condition given must hold' })
export class AdminConsultationsFilter {
  @Field(() => ID, { description: 'Only this advisor', nullable: true }) @IsOptional() @IsUUID() advisorId?: string;
  @Field(() => ID, { description: 'Only this client (user id)', nullable: true }) @IsOptional() @IsUUID() clientId?: string;
  @Field(() => [ConsultationStatus], { description: 'Only these statuses', nullable: true }) status?: ConsultationStatus[];
  @Field({ nullable: true, description: 'Starting at or after' }) from?: Date;
  @Field({ nullable: true, description: 'Starting before' }) to?: Date;
}

@ObjectType('ConsultationStatusEvent', { description: 'A committed status change, with the consultation in your own view of it' })
export class ConsultationStatusEvent {
  @Field(() => ConsultationView, { description: 'The consultation after the change, in your own view of it' })
  consultation!: ConsultationView;
  @Field(() => ConsultationStatus, { description: 'The status before; null when booked', nullable: true })
  previousStatus!: ConsultationStatus | null;
  @Field(() => ConsultationStatus, { description: 'The status now' }) status!: ConsultationStatus;
  @Field({ description: 'When the change was committed' }) changedAt!: Date;
}
