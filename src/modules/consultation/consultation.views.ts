import { toPublicAdvisor, type PublicAdvisorFields } from '../advisor/advisor.types';
import type { User } from '../user/user.entity';
import type { ConsultationCharge, Refund } from './charge.entity';
import type { Consultation, ConsultationStatusChange } from './consultation.entity';
import {
  AdminConsultation,
  AdvisorConsultation,
  ChargeView,
  ClientConsultation,
  RefundView,
  StatusChangeView,
  type ConsultationView,
  type PricingSnapshotView,
} from './consultation.types';

import type { Party } from './queries';

/**
 * What the views read of a consultation: an entity, or the plain row the status subscription reads
 * (src/modules/consultation/consultation.resolver.ts) without the ORM's mapping.
 */
export type ConsultationFields = Pick<
  Consultation,
  | 'id'
  | 'status'
  | 'startTime'
  | 'endTime'
  | 'durationMinutes'
  | 'videoUrl'
  | 'currency'
  | 'cancelledAt'
  | 'cancelledBy'
  | 'cancellationReason'
  | 'createdAt'
  | 'priceCents'
  | 'platformFeeCents'
  | 'advisorEarningsCents'
  | 'pricingSnapshot'
  | 'locale'
  | 'clientTimezone'
  | 'projectId'
  | 'calBookingId'
  | 'notes'
> & { advisor: PublicAdvisorFields; client: Pick<User, 'id' | 'email' | 'givenName' | 'familyName'> };

/** What the client's view reads of the charge. */
export type ChargeFields = Pick<ConsultationCharge, 'status' | 'refundedCents'>;

function base(c: ConsultationFields) {
  return {
    id: c.id,
    status: c.status,
    startTime: c.startTime,
    endTime: c.endTime,
    durationMinutes: c.durationMinutes,
    videoUrl: c.videoUrl,
    currency: c.currency,
    cancelledAt: c.cancelledAt,
    cancelledBy: c.cancelledBy,
    cancellationReason: c.cancellationReason,
    createdAt: c.createdAt,
  };
}

const snapshot = (c: ConsultationFields): PricingSnapshotView => ({
  sku: c.pricingSnapshot.sku,
  currency: c.pricingSnapshot.currency,
  rateCents: c.pricingSnapshot.rateCents,
  platformFeeCents: c.pricingSnapshot.platformFeeCents,
  advisorEarningsCents: c.pricingSnapshot.advisorEarningsCents,
});

export function toClientView(c: ConsultationFields, charge: ChargeFields | null): ClientConsultation {
  return Object.assign(new ClientConsultation(), {
    ...base(c),
    viewType: 'ClientConsultation' as const,
    advisor: toPublicAdvisor(c.advisor),
    priceCents: c.priceCents,
    pricingSnapshot: snapshot(c),
    locale: c.locale,
    clientTimezone: c.clientTimezone,
    projectId: c.projectId,
    calBookingId: c.calBookingId,
    paymentStatus: charge?.status ?? null,
    refundedCents: charge?.refundedCents ?? 0,
  });
}

/** Built field by field on purpose: nothing of the client but the first name may reach an advisor. */
export function toAdvisorView(c: ConsultationFields): AdvisorConsultation {
  return Object.assign(new AdvisorConsultation(), {
    ...base(c),
    viewType: 'AdvisorConsultation' as const,
    clientFirstName: c.client.givenName,
    advisorEarningsCents: c.advisorEarningsCents,
  });
}

export function toAdminView(c: ConsultationFields): AdminConsultation {
  return Object.assign(new AdminConsultation(), {
    ...base(c),
    viewType: 'AdminConsultation' as const,
    advisor: toPublicAdvisor(c.advisor),
    client: { id: c.client.id, email: c.client.email, givenName: c.client.givenName, familyName: c.client.familyName },
    priceCents: c.priceCents,
    platformFeeCents: c.platformFeeCents,
    advisorEarningsCents: c.advisorEarningsCents,
    pricingSnapshot: snapshot(c),
    locale: c.locale,
    clientTimezone: c.clientTimezone,
    projectId: c.projectId,
    calBookingId: c.calBookingId,
    notes: c.notes,
  });
}

export function toView(c: ConsultationFields, party: Party, charge: ChargeFields | null): ConsultationView {
  if (party === 'client') return toClientView(c, charge);
  if (party === 'advisor') return toAdvisorView(c);
  return toAdminView(c);
}

export function toChargeView(charge: ConsultationCharge, refunds: Refund[]): ChargeView {
  return {
    id: charge.id,
    status: charge.status,
    totalAmountCents: charge.totalAmountCents,
    platformFeeCents: charge.platformFeeCents,
    advisorEarningsCents: charge.advisorEarningsCents,
    refundedCents: charge.refundedCents,
    currency: charge.currency,
    stripePaymentIntentId: charge.stripePaymentIntentId,
    stripeChargeId: charge.stripeChargeId,
    failureMessage: charge.failureMessage,
    succeededAt: charge.succeededAt,
    refunds: refunds.map((r): RefundView => ({
      id: r.id,
      amountCents: r.amountCents,
      source: r.source,
      reason: r.reason,
      stripeRefundId: r.stripeRefundId,
      createdAt: r.createdAt,
    })),
  };
}

export function toStatusChangeView(s: ConsultationStatusChange): StatusChangeView {
  return {
    fromStatus: s.fromStatus,
    toStatus: s.toStatus,
    actorKind: s.actorKind,
    actorId: s.actor?.id ?? null,
    reason: s.reason,
    createdAt: s.createdAt,
  };
}
