import { Check, Entity, Enum, ManyToOne, OneToOne, Property } from '@mikro-orm/core';
import { BaseEntity, UpdatedEntity } from '../../db/base.entity';
import { Consultation } from './consultation.entity';
import { User } from '../user/user.entity';

export enum ChargeStatus {
  PENDING = 'pending',
  SUCCEEDED = 'succeeded',
  FAILED = 'failed',
  CANCELED = 'canceled',
  REFUNDED = 'refunded',
}

/** The client's payment for one consultation, with the same split as the consultation. */
@Entity({ tableName: 'consultation_charges' })
@Check({ name: 'consultation_charges_split_check', expression: 'total_amount_cents = platform_fee_cents + advisor_earnings_cents' })
@Check({ name: 'consultation_charges_refunded_check', expression: 'refunded_cents >= 0 and refunded_cents <= total_amount_cents' })
export class ConsultationCharge extends UpdatedEntity {
  @OneToOne(() => Consultation, { owner: true, unique: 'consultation_charges_consultation_id_unique', deleteRule: 'restrict' })
  consultation: Consultation;

  @Property({ type: 'text', nullable: true, unique: 'consultation_charges_payment_intent_unique', hidden: true })
  stripePaymentIntentId: string | null = null;

  @Property({ type: 'text', nullable: true, hidden: true })
  stripeChargeId: string | null = null;

  /**
   * The Idempotency-Key of the PaymentIntent create, committed before Stripe is asked: replaying
   * the same request under it finds the PaymentIntent even when its id was never recorded.
   */
  @Property({ type: 'text', nullable: true, hidden: true })
  paymentIntentKey: string | null = null;

  /** The card the server confirms with; null when the client confirms with the client secret. */
  @Property({ type: 'text', nullable: true, hidden: true })
  paymentMethodId: string | null = null;

  @Property({ type: 'int' })
  totalAmountCents: number;

  @Property({ type: 'int' })
  platformFeeCents: number;

  @Property({ type: 'int' })
  advisorEarningsCents: number;

  @Property({ type: 'text', default: 'USD' })
  currency = 'USD';

  @Enum({ items: () => ChargeStatus, default: ChargeStatus.PENDING })
  status: ChargeStatus = ChargeStatus.PENDING;

  /** Sum of the rows in `refunds` for this charge; kept beside them in the same transaction. */
  @Property({ type: 'int', default: 0 })
  refundedCents = 0;

  @Property({ type: 'text', nullable: true })
  failureMessage: string | null = null;

  /** Where a chargeback stands, as Stripe last told us: 'open', 'won' or 'lost'; null if none. */
  @Property({ type: 'text', nullable: true })
  disputeStatus: 'open' | 'won' | 'lost' | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  succeededAt: Date | null = null;

  constructor(consultation: Consultation) {
    super();
    this.consultation = consultation;
    this.totalAmountCents = consultation.priceCents;
    this.platformFeeCents = consultation.platformFeeCents;
    this.advisorEarningsCents = consultation.advisorEarningsCents;
    this.currency = consultation.currency;
  }
}

export enum RefundSource {
  CLIENT_CANCELLATION = 'client_cancellation',
  ADVISOR_CANCELLATION = 'advisor_cancellation',
  ADMIN = 'admin',
  CALCOM_CANCELLATION = 'calcom_cancellation',
  /** Made outside our API, e.g. in Stripe's dashboard, and learnt from the charge.refunded webhook. */
  STRIPE_OUTSIDE = 'stripe_outside',
}

/** One row per Stripe refund: the unique Stripe id is what makes a refund count once. */
@Entity({ tableName: 'refunds' })
@Check({ name: 'refunds_amount_check', expression: 'amount_cents > 0' })
export class Refund extends BaseEntity {
  @ManyToOne(() => ConsultationCharge, { deleteRule: 'restrict', index: true })
  charge: ConsultationCharge;

  @Property({ type: 'text', unique: 'refunds_stripe_refund_id_unique', hidden: true })
  stripeRefundId: string;

  @Property({ type: 'int' })
  amountCents: number;

  @Enum({ items: () => RefundSource })
  source: RefundSource;

  @Property({ type: 'text', nullable: true })
  reason: string | null = null;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  createdBy: User | null = null;

  constructor(charge: ConsultationCharge, stripeRefundId: string, amountCents: number, source: RefundSource) {
    super();
    this.charge = charge;
    this.stripeRefundId = stripeRefundId;
    this.amountCents = amountCents;
    this.source = source;
  }
}
