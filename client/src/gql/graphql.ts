/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Who caused a change */
export type ActorKind =
  /** An admin */
  | 'ADMIN'
  /** The advisor */
  | 'ADVISOR'
  /** Cal.com, through a webhook */
  | 'CALCOM'
  /** The client */
  | 'CLIENT'
  /** Stripe, through a webhook */
  | 'STRIPE'
  /** The server itself (an expiry, a sweep or a job) */
  | 'SYSTEM';

/** Which approved advisors a search returns; every condition given must hold */
export type AdvisorFilter = {
  /** Only advisors taking new bookings (true) or not (false) */
  acceptingBookings?: boolean | null | undefined;
  /** Any of these languages */
  languages?: Array<string> | null | undefined;
  /** At least this average rating, 0 to 5 */
  minRating?: number | null | undefined;
  /** Any of these skills */
  skills?: Array<string> | null | undefined;
  /** Any of these specialties */
  specialties?: Array<string> | null | undefined;
  /** Free text over name and bio */
  text?: string | null | undefined;
};

/** An application to become an advisor; an admin approves or rejects it */
export type ApplyAsAdvisorInput = {
  /** Picture URL (https) */
  avatarUrl?: string | null | undefined;
  /** About you, up to 2000 characters */
  bio?: string | null | undefined;
  /** Your Cal.com event type, for booking */
  calComEventTypeUrl?: string | null | undefined;
  /** ISO 3166-1 alpha-2 */
  countryCode?: string | null | undefined;
  /** Name shown to clients */
  displayName: string;
  /** ISO 639 codes such as en, ar or pt-BR */
  languages?: Array<string>;
  /** Email language, e.g. en or ar */
  locale?: string | null | undefined;
  /** What you advise on */
  skills?: Array<string>;
  /** Narrower areas of expertise */
  specialties?: Array<string>;
  /** IANA time zone, e.g. Africa/Cairo */
  timezone?: string | null | undefined;
};

/** Where an advisor application stands */
export type ApprovalStatus =
  /** Listed in search and bookable */
  | 'APPROVED'
  /** Applied, waiting for an admin */
  | 'PENDING'
  /** Turned down by an admin; may apply again */
  | 'REJECTED'
  /** Approved before, now hidden from search and not bookable */
  | 'SUSPENDED';

/** What to book: an advisor, a length and a start; the price comes from the SKU */
export type BookConsultationInput = {
  /** The approved advisor to book */
  advisorId: string;
  /** The Cal.com booking uid, when booked through Cal.com */
  calBookingId?: string | null | undefined;
  /** Your IANA time zone, for emails */
  clientTimezone?: string | null | undefined;
  /** 15, 30 or 60 */
  durationMinutes: number;
  /** Language for emails, e.g. en */
  locale?: string | null | undefined;
  /** A Stripe payment method to charge at once */
  paymentMethodId?: string | null | undefined;
  /** Your own reference, kept with the booking */
  projectId?: string | null | undefined;
  /** When it starts; ahead by at least the minimum notice */
  startTime: string;
};

/** Where a consultation's payment stands at Stripe */
export type ChargeStatus =
  /** The payment was called off before it succeeded */
  | 'CANCELED'
  /** The card was declined */
  | 'FAILED'
  /** Waiting for the payment */
  | 'PENDING'
  /** Paid, then refunded in full */
  | 'REFUNDED'
  /** Paid */
  | 'SUCCEEDED';

/** Whose consultations: the ones you booked, or the ones you give */
export type ConsultationParty =
  /** The consultations you give */
  | 'ADVISOR'
  /** The consultations you booked */
  | 'CLIENT';

/** Where a consultation stands in its lifecycle */
export type ConsultationStatus =
  /** Cancelled, declined or expired unpaid (final) */
  | 'CANCELLED'
  /** Took place (final) */
  | 'COMPLETED'
  /** The meeting has started */
  | 'IN_PROGRESS'
  /** The client did not come (final, no refund) */
  | 'NO_SHOW'
  /** Booked; the slot is held until paid or expired */
  | 'PENDING_PAYMENT'
  /** Paid and booked */
  | 'SCHEDULED';

/** What a ledger entry records */
export type LedgerKind =
  /** Taken back after a dispute the client opened */
  | 'CHARGEBACK'
  /** Given back after a dispute was won */
  | 'CHARGEBACK_WON'
  /** The advisor's share of a consultation */
  | 'EARNING'
  /** A manual adjustment by an admin */
  | 'MANUAL'
  /** Taken back after a refund of an earned consultation */
  | 'REFUND';

/** Which of your consultations to list */
export type MyConsultationsFilter = {
  /** As client (booked) or as advisor (given) */
  as?: ConsultationParty;
  /** Only these statuses */
  status?: Array<ConsultationStatus> | null | undefined;
  /** Only upcoming or only past ones */
  when?: TimeFilter | null | undefined;
};

/** Where a monthly payout stands */
export type PayoutStatus =
  /** Stripe refused the transfer; can be sent again */
  | 'FAILED'
  /** Waiting for the advisor to finish Stripe onboarding */
  | 'ON_HOLD'
  /** Transferred to the advisor */
  | 'PAID'
  /** Generated, not sent yet */
  | 'PENDING'
  /** Being sent to Stripe */
  | 'PROCESSING';

/** Ratings from 1 to 5 and an optional text */
export type ReviewInput = {
  /** Communication, 1 to 5 */
  communicationRating?: number | null | undefined;
  /** Expertise, 1 to 5 */
  expertiseRating?: number | null | undefined;
  /** Helpfulness, 1 to 5 */
  helpfulnessRating?: number | null | undefined;
  /** Overall, 1 to 5 */
  rating: number;
  /** What you want to say, up to 2000 characters */
  text?: string | null | undefined;
};

/** Consultations ahead of now or behind it */
export type TimeFilter =
  /** Started before now */
  | 'PAST'
  /** Starting from now on */
  | 'UPCOMING';

/** Changes to your advisor profile; fields left out stay as they are */
export type UpdateAdvisorProfileInput = {
  /** Picture URL (https) */
  avatarUrl?: string | null | undefined;
  /** About you, up to 2000 characters */
  bio?: string | null | undefined;
  /** Your Cal.com event type, for booking */
  calComEventTypeUrl?: string | null | undefined;
  /** ISO 3166-1 alpha-2 */
  countryCode?: string | null | undefined;
  /** Name shown to clients */
  displayName?: string | null | undefined;
  /** ISO 639 codes */
  languages?: Array<string> | null | undefined;
  /** Email language, e.g. en or ar */
  locale?: string | null | undefined;
  /** What you advise on */
  skills?: Array<string> | null | undefined;
  /** Narrower areas of expertise */
  specialties?: Array<string> | null | undefined;
  /** IANA time zone, e.g. Africa/Cairo */
  timezone?: string | null | undefined;
};

export type ApplicationFragment = { id: string, displayName: string, email: string | null, bio: string | null, skills: Array<string>, specialties: Array<string>, languages: Array<string>, countryCode: string | null, approvalStatus: ApprovalStatus, appliedAt: string, decidedAt: string | null, decisionNote: string | null };

export type AdvisorApplicationsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type AdvisorApplicationsQuery = { advisorApplications: { edges: Array<{ cursor: string, node: { id: string, displayName: string, email: string | null, bio: string | null, skills: Array<string>, specialties: Array<string>, languages: Array<string>, countryCode: string | null, approvalStatus: ApprovalStatus, appliedAt: string, decidedAt: string | null, decisionNote: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ApproveAdvisorMutationVariables = Exact<{
  id: string;
  note?: string | null | undefined;
}>;


export type ApproveAdvisorMutation = { approveAdvisor: { id: string, displayName: string, email: string | null, bio: string | null, skills: Array<string>, specialties: Array<string>, languages: Array<string>, countryCode: string | null, approvalStatus: ApprovalStatus, appliedAt: string, decidedAt: string | null, decisionNote: string | null } };

export type RejectAdvisorMutationVariables = Exact<{
  id: string;
  note?: string | null | undefined;
}>;


export type RejectAdvisorMutation = { rejectAdvisor: { id: string, displayName: string, email: string | null, bio: string | null, skills: Array<string>, specialties: Array<string>, languages: Array<string>, countryCode: string | null, approvalStatus: ApprovalStatus, appliedAt: string, decidedAt: string | null, decisionNote: string | null } };

export type SuspendAdvisorMutationVariables = Exact<{
  id: string;
  note?: string | null | undefined;
}>;


export type SuspendAdvisorMutation = { suspendAdvisor: { id: string, displayName: string, email: string | null, bio: string | null, skills: Array<string>, specialties: Array<string>, languages: Array<string>, countryCode: string | null, approvalStatus: ApprovalStatus, appliedAt: string, decidedAt: string | null, decisionNote: string | null } };

export type ReactivateAdvisorMutationVariables = Exact<{
  id: string;
  note?: string | null | undefined;
}>;


export type ReactivateAdvisorMutation = { reactivateAdvisor: { id: string, displayName: string, email: string | null, bio: string | null, skills: Array<string>, specialties: Array<string>, languages: Array<string>, countryCode: string | null, approvalStatus: ApprovalStatus, appliedAt: string, decidedAt: string | null, decisionNote: string | null } };

export type PayoutRowFragment = { id: string, advisorId: string, advisorDisplayName: string, month: string, totalCents: number, currency: string, status: PayoutStatus, statusReason: string | null, attempts: number, processedAt: string | null };

export type AdminPayoutsQueryVariables = Exact<{
  month?: string | null | undefined;
  status?: PayoutStatus | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}>;


export type AdminPayoutsQuery = { adminPayouts: { edges: Array<{ cursor: string, node: { id: string, advisorId: string, advisorDisplayName: string, month: string, totalCents: number, currency: string, status: PayoutStatus, statusReason: string | null, attempts: number, processedAt: string | null } }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null } } };

export type GeneratePayoutsMutationVariables = Exact<{
  month: string;
}>;


export type GeneratePayoutsMutation = { generatePayouts: { month: string, createdCount: number, payouts: Array<{ id: string, advisorId: string, advisorDisplayName: string, month: string, totalCents: number, currency: string, status: PayoutStatus, statusReason: string | null, attempts: number, processedAt: string | null }> } };

export type ProcessPayoutsMutationVariables = Exact<{
  month: string;
}>;


export type ProcessPayoutsMutation = { processPayouts: Array<{ id: string, advisorId: string, advisorDisplayName: string, month: string, totalCents: number, currency: string, status: PayoutStatus, statusReason: string | null, attempts: number, processedAt: string | null }> };

export type ProcessPayoutMutationVariables = Exact<{
  id: string;
}>;


export type ProcessPayoutMutation = { processPayout: { id: string, advisorId: string, advisorDisplayName: string, month: string, totalCents: number, currency: string, status: PayoutStatus, statusReason: string | null, attempts: number, processedAt: string | null } };

export type OwnProfileFragment = { id: string, displayName: string, bio: string | null, avatarUrl: string | null, skills: Array<string>, specialties: Array<string>, languages: Array<string>, countryCode: string | null, timezone: string | null, approvalStatus: ApprovalStatus, decisionNote: string | null, isAcceptingBookings: boolean, rating: number, reviewCount: number, stripeDetailsSubmitted: boolean, stripePayoutsEnabled: boolean };

export type MyAdvisorProfileQueryVariables = Exact<{ [key: string]: never; }>;


export type MyAdvisorProfileQuery = { myAdvisorProfile: { id: string, displayName: string, bio: string | null, avatarUrl: string | null, skills: Array<string>, specialties: Array<string>, languages: Array<string>, countryCode: string | null, timezone: string | null, approvalStatus: ApprovalStatus, decisionNote: string | null, isAcceptingBookings: boolean, rating: number, reviewCount: number, stripeDetailsSubmitted: boolean, stripePayoutsEnabled: boolean } | null };

export type ApplyAsAdvisorMutationVariables = Exact<{
  input: ApplyAsAdvisorInput;
}>;


export type ApplyAsAdvisorMutation = { applyAsAdvisor: { id: string, displayName: string, bio: string | null, avatarUrl: string | null, skills: Array<string>, specialties: Array<string>, languages: Array<string>, countryCode: string | null, timezone: string | null, approvalStatus: ApprovalStatus, decisionNote: string | null, isAcceptingBookings: boolean, rating: number, reviewCount: number, stripeDetailsSubmitted: boolean, stripePayoutsEnabled: boolean } };

export type UpdateAdvisorProfileMutationVariables = Exact<{
  input: UpdateAdvisorProfileInput;
}>;


export type UpdateAdvisorProfileMutation = { updateAdvisorProfile: { id: string, displayName: string, bio: string | null, avatarUrl: string | null, skills: Array<string>, specialties: Array<string>, languages: Array<string>, countryCode: string | null, timezone: string | null, approvalStatus: ApprovalStatus, decisionNote: string | null, isAcceptingBookings: boolean, rating: number, reviewCount: number, stripeDetailsSubmitted: boolean, stripePayoutsEnabled: boolean } };

export type SetAcceptingBookingsMutationVariables = Exact<{
  accepting: boolean;
}>;


export type SetAcceptingBookingsMutation = { setAcceptingBookings: { id: string, isAcceptingBookings: boolean } };

export type StartStripeConnectOnboardingMutationVariables = Exact<{ [key: string]: never; }>;


export type StartStripeConnectOnboardingMutation = { startStripeConnectOnboarding: { url: string, expiresAt: string, detailsSubmitted: boolean, payoutsEnabled: boolean } };

export type EarningsPayoutInfoFragment = { status: PayoutStatus, statusReason: string | null, totalCents: number, processedAt: string | null };

export type AdvisorEarningsQueryVariables = Exact<{
  month: string;
}>;


export type AdvisorEarningsQuery = { advisorEarnings: { month: string, consultations: number, grossCents: number, refundsCents: number, chargebacksCents: number, manualAdjustmentsCents: number, adjustmentsCents: number, netCents: number, unpaidCents: number, payout: { status: PayoutStatus, statusReason: string | null, totalCents: number, processedAt: string | null } | null, entries: Array<{ id: string, kind: LedgerKind, amountCents: number, accruedAt: string, consultationId: string | null }> } };

export type AdvisorEarningsHistoryQueryVariables = Exact<{ [key: string]: never; }>;


export type AdvisorEarningsHistoryQuery = { advisorEarningsHistory: Array<{ month: string, consultations: number, netCents: number, unpaidCents: number, payout: { status: PayoutStatus, statusReason: string | null, totalCents: number, processedAt: string | null } | null }> };

export type AdvisorCardFragment = { id: string, displayName: string, avatarUrl: string | null, skills: Array<string>, specialties: Array<string>, languages: Array<string>, countryCode: string | null, rating: number, reviewCount: number, isAcceptingBookings: boolean };

export type ReviewItemFragment = { id: string, rating: number, expertiseRating: number | null, communicationRating: number | null, helpfulnessRating: number | null, text: string | null, reviewerFirstName: string | null, createdAt: string };

export type SearchAdvisorsQueryVariables = Exact<{
  filter?: AdvisorFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type SearchAdvisorsQuery = { advisors: { edges: Array<{ cursor: string, node: { id: string, displayName: string, avatarUrl: string | null, skills: Array<string>, specialties: Array<string>, languages: Array<string>, countryCode: string | null, rating: number, reviewCount: number, isAcceptingBookings: boolean } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type AdvisorProfileQueryVariables = Exact<{
  id: string;
  reviews?: number | null | undefined;
}>;


export type AdvisorProfileQuery = { advisor: { bio: string | null, calComEventTypeUrl: string | null, createdAt: string, id: string, displayName: string, avatarUrl: string | null, skills: Array<string>, specialties: Array<string>, languages: Array<string>, countryCode: string | null, rating: number, reviewCount: number, isAcceptingBookings: boolean, reviews: { edges: Array<{ node: { id: string, rating: number, expertiseRating: number | null, communicationRating: number | null, helpfulnessRating: number | null, text: string | null, reviewerFirstName: string | null, createdAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } | null };

export type AdvisorReviewsQueryVariables = Exact<{
  id: string;
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}>;


export type AdvisorReviewsQuery = { advisor: { id: string, rating: number, reviewCount: number, reviews: { edges: Array<{ cursor: string, node: { id: string, rating: number, expertiseRating: number | null, communicationRating: number | null, helpfulnessRating: number | null, text: string | null, reviewerFirstName: string | null, createdAt: string } }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null } } } | null };

export type PricingQueryVariables = Exact<{ [key: string]: never; }>;


export type PricingQuery = { pricing: Array<{ sku: string, durationMinutes: number, priceCents: number, currency: string }> };

type MyConsultation_AdminConsultation_Fragment = { __typename: 'AdminConsultation', id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null };

type MyConsultation_AdvisorConsultation_Fragment = { __typename: 'AdvisorConsultation', clientFirstName: string | null, advisorEarningsCents: number, id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null };

type MyConsultation_ClientConsultation_Fragment = { __typename: 'ClientConsultation', priceCents: number, currency: string, paymentStatus: ChargeStatus | null, refundedCents: number, id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null, advisor: { id: string, displayName: string, avatarUrl: string | null } };

export type MyConsultationFragment =
  | MyConsultation_AdminConsultation_Fragment
  | MyConsultation_AdvisorConsultation_Fragment
  | MyConsultation_ClientConsultation_Fragment
;

export type BookConsultationMutationVariables = Exact<{
  input: BookConsultationInput;
}>;


export type BookConsultationMutation = { bookConsultation: { clientSecret: string | null, consultation: { __typename: 'ClientConsultation', priceCents: number, currency: string, paymentStatus: ChargeStatus | null, refundedCents: number, id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null, advisor: { id: string, displayName: string, avatarUrl: string | null } } } };

export type ConsultationStatusQueryVariables = Exact<{
  id: string;
}>;


export type ConsultationStatusQuery = { consultation:
    | { __typename: 'AdminConsultation', id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null }
    | { __typename: 'AdvisorConsultation', clientFirstName: string | null, advisorEarningsCents: number, id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null }
    | { __typename: 'ClientConsultation', priceCents: number, currency: string, paymentStatus: ChargeStatus | null, refundedCents: number, id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null, advisor: { id: string, displayName: string, avatarUrl: string | null } }
   | null };

export type MyConsultationsQueryVariables = Exact<{
  filter?: MyConsultationsFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}>;


export type MyConsultationsQuery = { myConsultations: { edges: Array<{ cursor: string, node:
        | { __typename: 'AdminConsultation', id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null }
        | { __typename: 'AdvisorConsultation', clientFirstName: string | null, advisorEarningsCents: number, id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null }
        | { __typename: 'ClientConsultation', priceCents: number, currency: string, paymentStatus: ChargeStatus | null, refundedCents: number, id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null, advisor: { id: string, displayName: string, avatarUrl: string | null } }
       }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null } } };

export type CancelConsultationMutationVariables = Exact<{
  id: string;
  reason?: string | null | undefined;
}>;


export type CancelConsultationMutation = { cancelConsultation:
    | { __typename: 'AdminConsultation', id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null }
    | { __typename: 'AdvisorConsultation', clientFirstName: string | null, advisorEarningsCents: number, id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null }
    | { __typename: 'ClientConsultation', priceCents: number, currency: string, paymentStatus: ChargeStatus | null, refundedCents: number, id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null, advisor: { id: string, displayName: string, avatarUrl: string | null } }
   };

export type ConsultationStatusChangedSubscriptionVariables = Exact<{
  consultationId?: string | null | undefined;
}>;


export type ConsultationStatusChangedSubscription = { consultationStatusChanged: { previousStatus: ConsultationStatus | null, status: ConsultationStatus, changedAt: string, consultation:
      | { __typename: 'AdminConsultation', id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null }
      | { __typename: 'AdvisorConsultation', clientFirstName: string | null, advisorEarningsCents: number, id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null }
      | { __typename: 'ClientConsultation', priceCents: number, currency: string, paymentStatus: ChargeStatus | null, refundedCents: number, id: string, status: ConsultationStatus, startTime: string, endTime: string, durationMinutes: number, videoUrl: string | null, cancelledAt: string | null, cancelledBy: ActorKind | null, cancellationReason: string | null, advisor: { id: string, displayName: string, avatarUrl: string | null } }
     } };

export type ReviewConsultationMutationVariables = Exact<{
  consultationId: string;
  input: ReviewInput;
}>;


export type ReviewConsultationMutation = { reviewConsultation: { id: string, rating: number, expertiseRating: number | null, communicationRating: number | null, helpfulnessRating: number | null, text: string | null, reviewerFirstName: string | null, createdAt: string } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ApplicationFragmentDoc = new TypedDocumentString(`
    fragment Application on AdvisorProfile {
  id
  displayName
  email
  bio
  skills
  specialties
  languages
  countryCode
  approvalStatus
  appliedAt
  decidedAt
  decisionNote
}
    `, {"fragmentName":"Application"}) as unknown as TypedDocumentString<ApplicationFragment, unknown>;
export const PayoutRowFragmentDoc = new TypedDocumentString(`
    fragment PayoutRow on Payout {
  id
  advisorId
  advisorDisplayName
  month
  totalCents
  currency
  status
  statusReason
  attempts
  processedAt
}
    `, {"fragmentName":"PayoutRow"}) as unknown as TypedDocumentString<PayoutRowFragment, unknown>;
export const OwnProfileFragmentDoc = new TypedDocumentString(`
    fragment OwnProfile on AdvisorProfile {
  id
  displayName
  bio
  avatarUrl
  skills
  specialties
  languages
  countryCode
  timezone
  approvalStatus
  decisionNote
  isAcceptingBookings
  rating
  reviewCount
  stripeDetailsSubmitted
  stripePayoutsEnabled
}
    `, {"fragmentName":"OwnProfile"}) as unknown as TypedDocumentString<OwnProfileFragment, unknown>;
export const EarningsPayoutInfoFragmentDoc = new TypedDocumentString(`
    fragment EarningsPayoutInfo on EarningsPayout {
  status
  statusReason
  totalCents
  processedAt
}
    `, {"fragmentName":"EarningsPayoutInfo"}) as unknown as TypedDocumentString<EarningsPayoutInfoFragment, unknown>;
export const AdvisorCardFragmentDoc = new TypedDocumentString(`
    fragment AdvisorCard on Advisor {
  id
  displayName
  avatarUrl
  skills
  specialties
  languages
  countryCode
  rating
  reviewCount
  isAcceptingBookings
}
    `, {"fragmentName":"AdvisorCard"}) as unknown as TypedDocumentString<AdvisorCardFragment, unknown>;
export const ReviewItemFragmentDoc = new TypedDocumentString(`
    fragment ReviewItem on Review {
  id
  rating
  expertiseRating
  communicationRating
  helpfulnessRating
  text
  reviewerFirstName
  createdAt
}
    `, {"fragmentName":"ReviewItem"}) as unknown as TypedDocumentString<ReviewItemFragment, unknown>;
export const MyConsultationFragmentDoc = new TypedDocumentString(`
    fragment MyConsultation on Consultation {
  __typename
  id
  status
  startTime
  endTime
  durationMinutes
  videoUrl
  cancelledAt
  cancelledBy
  cancellationReason
  ... on ClientConsultation {
    priceCents
    currency
    paymentStatus
    refundedCents
    advisor {
      id
      displayName
      avatarUrl
    }
  }
  ... on AdvisorConsultation {
    clientFirstName
    advisorEarningsCents
  }
}
    `, {"fragmentName":"MyConsultation"}) as unknown as TypedDocumentString<MyConsultationFragment, unknown>;
export const AdvisorApplicationsDocument = new TypedDocumentString(`
    query AdvisorApplications($first: Int, $after: String) {
  advisorApplications(first: $first, after: $after) {
    edges {
      cursor
      node {
        ...Application
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment Application on AdvisorProfile {
  id
  displayName
  email
  bio
  skills
  specialties
  languages
  countryCode
  approvalStatus
  appliedAt
  decidedAt
  decisionNote
}`) as unknown as TypedDocumentString<AdvisorApplicationsQuery, AdvisorApplicationsQueryVariables>;
export const ApproveAdvisorDocument = new TypedDocumentString(`
    mutation ApproveAdvisor($id: ID!, $note: String) {
  approveAdvisor(id: $id, note: $note) {
    ...Application
  }
}
    fragment Application on AdvisorProfile {
  id
  displayName
  email
  bio
  skills
  specialties
  languages
  countryCode
  approvalStatus
  appliedAt
  decidedAt
  decisionNote
}`) as unknown as TypedDocumentString<ApproveAdvisorMutation, ApproveAdvisorMutationVariables>;
export const RejectAdvisorDocument = new TypedDocumentString(`
    mutation RejectAdvisor($id: ID!, $note: String) {
  rejectAdvisor(id: $id, note: $note) {
    ...Application
  }
}
    fragment Application on AdvisorProfile {
  id
  displayName
  email
  bio
  skills
  specialties
  languages
  countryCode
  approvalStatus
  appliedAt
  decidedAt
  decisionNote
}`) as unknown as TypedDocumentString<RejectAdvisorMutation, RejectAdvisorMutationVariables>;
export const SuspendAdvisorDocument = new TypedDocumentString(`
    mutation SuspendAdvisor($id: ID!, $note: String) {
  suspendAdvisor(id: $id, note: $note) {
    ...Application
  }
}
    fragment Application on AdvisorProfile {
  id
  displayName
  email
  bio
  skills
  specialties
  languages
  countryCode
  approvalStatus
  appliedAt
  decidedAt
  decisionNote
}`) as unknown as TypedDocumentString<SuspendAdvisorMutation, SuspendAdvisorMutationVariables>;
export const ReactivateAdvisorDocument = new TypedDocumentString(`
    mutation ReactivateAdvisor($id: ID!, $note: String) {
  reactivateAdvisor(id: $id, note: $note) {
    ...Application
  }
}
    fragment Application on AdvisorProfile {
  id
  displayName
  email
  bio
  skills
  specialties
  languages
  countryCode
  approvalStatus
  appliedAt
  decidedAt
  decisionNote
}`) as unknown as TypedDocumentString<ReactivateAdvisorMutation, ReactivateAdvisorMutationVariables>;
export const AdminPayoutsDocument = new TypedDocumentString(`
    query AdminPayouts($month: String, $status: PayoutStatus, $first: Int, $after: String, $last: Int, $before: String) {
  adminPayouts(
    month: $month
    status: $status
    first: $first
    after: $after
    last: $last
    before: $before
  ) {
    edges {
      cursor
      node {
        ...PayoutRow
      }
    }
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
  }
}
    fragment PayoutRow on Payout {
  id
  advisorId
  advisorDisplayName
  month
  totalCents
  currency
  status
  statusReason
  attempts
  processedAt
}`) as unknown as TypedDocumentString<AdminPayoutsQuery, AdminPayoutsQueryVariables>;
export const GeneratePayoutsDocument = new TypedDocumentString(`
    mutation GeneratePayouts($month: String!) {
  generatePayouts(month: $month) {
    month
    createdCount
    payouts {
      ...PayoutRow
    }
  }
}
    fragment PayoutRow on Payout {
  id
  advisorId
  advisorDisplayName
  month
  totalCents
  currency
  status
  statusReason
  attempts
  processedAt
}`) as unknown as TypedDocumentString<GeneratePayoutsMutation, GeneratePayoutsMutationVariables>;
export const ProcessPayoutsDocument = new TypedDocumentString(`
    mutation ProcessPayouts($month: String!) {
  processPayouts(month: $month) {
    ...PayoutRow
  }
}
    fragment PayoutRow on Payout {
  id
  advisorId
  advisorDisplayName
  month
  totalCents
  currency
  status
  statusReason
  attempts
  processedAt
}`) as unknown as TypedDocumentString<ProcessPayoutsMutation, ProcessPayoutsMutationVariables>;
export const ProcessPayoutDocument = new TypedDocumentString(`
    mutation ProcessPayout($id: ID!) {
  processPayout(id: $id) {
    ...PayoutRow
  }
}
    fragment PayoutRow on Payout {
  id
  advisorId
  advisorDisplayName
  month
  totalCents
  currency
  status
  statusReason
  attempts
  processedAt
}`) as unknown as TypedDocumentString<ProcessPayoutMutation, ProcessPayoutMutationVariables>;
export const MyAdvisorProfileDocument = new TypedDocumentString(`
    query MyAdvisorProfile {
  myAdvisorProfile {
    ...OwnProfile
  }
}
    fragment OwnProfile on AdvisorProfile {
  id
  displayName
  bio
  avatarUrl
  skills
  specialties
  languages
  countryCode
  timezone
  approvalStatus
  decisionNote
  isAcceptingBookings
  rating
  reviewCount
  stripeDetailsSubmitted
  stripePayoutsEnabled
}`) as unknown as TypedDocumentString<MyAdvisorProfileQuery, MyAdvisorProfileQueryVariables>;
export const ApplyAsAdvisorDocument = new TypedDocumentString(`
    mutation ApplyAsAdvisor($input: ApplyAsAdvisorInput!) {
  applyAsAdvisor(input: $input) {
    ...OwnProfile
  }
}
    fragment OwnProfile on AdvisorProfile {
  id
  displayName
  bio
  avatarUrl
  skills
  specialties
  languages
  countryCode
  timezone
  approvalStatus
  decisionNote
  isAcceptingBookings
  rating
  reviewCount
  stripeDetailsSubmitted
  stripePayoutsEnabled
}`) as unknown as TypedDocumentString<ApplyAsAdvisorMutation, ApplyAsAdvisorMutationVariables>;
export const UpdateAdvisorProfileDocument = new TypedDocumentString(`
    mutation UpdateAdvisorProfile($input: UpdateAdvisorProfileInput!) {
  updateAdvisorProfile(input: $input) {
    ...OwnProfile
  }
}
    fragment OwnProfile on AdvisorProfile {
  id
  displayName
  bio
  avatarUrl
  skills
  specialties
  languages
  countryCode
  timezone
  approvalStatus
  decisionNote
  isAcceptingBookings
  rating
  reviewCount
  stripeDetailsSubmitted
  stripePayoutsEnabled
}`) as unknown as TypedDocumentString<UpdateAdvisorProfileMutation, UpdateAdvisorProfileMutationVariables>;
export const SetAcceptingBookingsDocument = new TypedDocumentString(`
    mutation SetAcceptingBookings($accepting: Boolean!) {
  setAcceptingBookings(accepting: $accepting) {
    id
    isAcceptingBookings
  }
}
    `) as unknown as TypedDocumentString<SetAcceptingBookingsMutation, SetAcceptingBookingsMutationVariables>;
export const StartStripeConnectOnboardingDocument = new TypedDocumentString(`
    mutation StartStripeConnectOnboarding {
  startStripeConnectOnboarding {
    url
    expiresAt
    detailsSubmitted
    payoutsEnabled
  }
}
    `) as unknown as TypedDocumentString<StartStripeConnectOnboardingMutation, StartStripeConnectOnboardingMutationVariables>;
export const AdvisorEarningsDocument = new TypedDocumentString(`
    query AdvisorEarnings($month: String!) {
  advisorEarnings(month: $month) {
    month
    consultations
    grossCents
    refundsCents
    chargebacksCents
    manualAdjustmentsCents
    adjustmentsCents
    netCents
    unpaidCents
    payout {
      ...EarningsPayoutInfo
    }
    entries {
      id
      kind
      amountCents
      accruedAt
      consultationId
    }
  }
}
    fragment EarningsPayoutInfo on EarningsPayout {
  status
  statusReason
  totalCents
  processedAt
}`) as unknown as TypedDocumentString<AdvisorEarningsQuery, AdvisorEarningsQueryVariables>;
export const AdvisorEarningsHistoryDocument = new TypedDocumentString(`
    query AdvisorEarningsHistory {
  advisorEarningsHistory {
    month
    consultations
    netCents
    unpaidCents
    payout {
      ...EarningsPayoutInfo
    }
  }
}
    fragment EarningsPayoutInfo on EarningsPayout {
  status
  statusReason
  totalCents
  processedAt
}`) as unknown as TypedDocumentString<AdvisorEarningsHistoryQuery, AdvisorEarningsHistoryQueryVariables>;
export const SearchAdvisorsDocument = new TypedDocumentString(`
    query SearchAdvisors($filter: AdvisorFilter, $first: Int, $after: String) {
  advisors(filter: $filter, first: $first, after: $after) {
    edges {
      cursor
      node {
        ...AdvisorCard
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment AdvisorCard on Advisor {
  id
  displayName
  avatarUrl
  skills
  specialties
  languages
  countryCode
  rating
  reviewCount
  isAcceptingBookings
}`) as unknown as TypedDocumentString<SearchAdvisorsQuery, SearchAdvisorsQueryVariables>;
export const AdvisorProfileDocument = new TypedDocumentString(`
    query AdvisorProfile($id: ID!, $reviews: Int = 5) {
  advisor(id: $id) {
    ...AdvisorCard
    bio
    calComEventTypeUrl
    createdAt
    reviews(first: $reviews) {
      edges {
        node {
          ...ReviewItem
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
    fragment AdvisorCard on Advisor {
  id
  displayName
  avatarUrl
  skills
  specialties
  languages
  countryCode
  rating
  reviewCount
  isAcceptingBookings
}
fragment ReviewItem on Review {
  id
  rating
  expertiseRating
  communicationRating
  helpfulnessRating
  text
  reviewerFirstName
  createdAt
}`) as unknown as TypedDocumentString<AdvisorProfileQuery, AdvisorProfileQueryVariables>;
export const AdvisorReviewsDocument = new TypedDocumentString(`
    query AdvisorReviews($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  advisor(id: $id) {
    id
    rating
    reviewCount
    reviews(first: $first, after: $after, last: $last, before: $before) {
      edges {
        cursor
        node {
          ...ReviewItem
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
}
    fragment ReviewItem on Review {
  id
  rating
  expertiseRating
  communicationRating
  helpfulnessRating
  text
  reviewerFirstName
  createdAt
}`) as unknown as TypedDocumentString<AdvisorReviewsQuery, AdvisorReviewsQueryVariables>;
export const PricingDocument = new TypedDocumentString(`
    query Pricing {
  pricing {
    sku
    durationMinutes
    priceCents
    currency
  }
}
    `) as unknown as TypedDocumentString<PricingQuery, PricingQueryVariables>;
export const BookConsultationDocument = new TypedDocumentString(`
    mutation BookConsultation($input: BookConsultationInput!) {
  bookConsultation(input: $input) {
    clientSecret
    consultation {
      ...MyConsultation
    }
  }
}
    fragment MyConsultation on Consultation {
  __typename
  id
  status
  startTime
  endTime
  durationMinutes
  videoUrl
  cancelledAt
  cancelledBy
  cancellationReason
  ... on ClientConsultation {
    priceCents
    currency
    paymentStatus
    refundedCents
    advisor {
      id
      displayName
      avatarUrl
    }
  }
  ... on AdvisorConsultation {
    clientFirstName
    advisorEarningsCents
  }
}`) as unknown as TypedDocumentString<BookConsultationMutation, BookConsultationMutationVariables>;
export const ConsultationStatusDocument = new TypedDocumentString(`
    query ConsultationStatus($id: ID!) {
  consultation(id: $id) {
    ...MyConsultation
  }
}
    fragment MyConsultation on Consultation {
  __typename
  id
  status
  startTime
  endTime
  durationMinutes
  videoUrl
  cancelledAt
  cancelledBy
  cancellationReason
  ... on ClientConsultation {
    priceCents
    currency
    paymentStatus
    refundedCents
    advisor {
      id
      displayName
      avatarUrl
    }
  }
  ... on AdvisorConsultation {
    clientFirstName
    advisorEarningsCents
  }
}`) as unknown as TypedDocumentString<ConsultationStatusQuery, ConsultationStatusQueryVariables>;
export const MyConsultationsDocument = new TypedDocumentString(`
    query MyConsultations($filter: MyConsultationsFilter, $first: Int, $after: String, $last: Int, $before: String) {
  myConsultations(
    filter: $filter
    first: $first
    after: $after
    last: $last
    before: $before
  ) {
    edges {
      cursor
      node {
        ...MyConsultation
      }
    }
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
  }
}
    fragment MyConsultation on Consultation {
  __typename
  id
  status
  startTime
  endTime
  durationMinutes
  videoUrl
  cancelledAt
  cancelledBy
  cancellationReason
  ... on ClientConsultation {
    priceCents
    currency
    paymentStatus
    refundedCents
    advisor {
      id
      displayName
      avatarUrl
    }
  }
  ... on AdvisorConsultation {
    clientFirstName
    advisorEarningsCents
  }
}`) as unknown as TypedDocumentString<MyConsultationsQuery, MyConsultationsQueryVariables>;
export const CancelConsultationDocument = new TypedDocumentString(`
    mutation CancelConsultation($id: ID!, $reason: String) {
  cancelConsultation(id: $id, reason: $reason) {
    ...MyConsultation
  }
}
    fragment MyConsultation on Consultation {
  __typename
  id
  status
  startTime
  endTime
  durationMinutes
  videoUrl
  cancelledAt
  cancelledBy
  cancellationReason
  ... on ClientConsultation {
    priceCents
    currency
    paymentStatus
    refundedCents
    advisor {
      id
      displayName
      avatarUrl
    }
  }
  ... on AdvisorConsultation {
    clientFirstName
    advisorEarningsCents
  }
}`) as unknown as TypedDocumentString<CancelConsultationMutation, CancelConsultationMutationVariables>;
export const ConsultationStatusChangedDocument = new TypedDocumentString(`
    subscription ConsultationStatusChanged($consultationId: ID) {
  consultationStatusChanged(consultationId: $consultationId) {
    previousStatus
    status
    changedAt
    consultation {
      ...MyConsultation
    }
  }
}
    fragment MyConsultation on Consultation {
  __typename
  id
  status
  startTime
  endTime
  durationMinutes
  videoUrl
  cancelledAt
  cancelledBy
  cancellationReason
  ... on ClientConsultation {
    priceCents
    currency
    paymentStatus
    refundedCents
    advisor {
      id
      displayName
      avatarUrl
    }
  }
  ... on AdvisorConsultation {
    clientFirstName
    advisorEarningsCents
  }
}`) as unknown as TypedDocumentString<ConsultationStatusChangedSubscription, ConsultationStatusChangedSubscriptionVariables>;
export const ReviewConsultationDocument = new TypedDocumentString(`
    mutation ReviewConsultation($consultationId: ID!, $input: ReviewInput!) {
  reviewConsultation(consultationId: $consultationId, input: $input) {
    ...ReviewItem
  }
}
    fragment ReviewItem on Review {
  id
  rating
  expertiseRating
  communicationRating
  helpfulnessRating
  text
  reviewerFirstName
  createdAt
}`) as unknown as TypedDocumentString<ReviewConsultationMutation, ReviewConsultationMutationVariables>;