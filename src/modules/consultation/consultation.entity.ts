import { Check, Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/core';
import { BaseEntity, UpdatedEntity } from '../../db/base.entity';
import { Advisor } from '../advisor/advisor.entity';
import { User } from '../user/user.entity';

export enum ConsultationStatus {
  PENDING_PAYMENT = 'pending_payment',
  SCHEDULED = 'scheduled',
  IN_PROGRESS = 'in_progress',
  COMPLETED = 'completed',
  CANCELLED = 'cancelled',
  NO_SHOW = 'no_show',
}

/** Who caused a change: a signed-in person in a role, or one of the systems that tell us things. */
export enum ActorKind {
  CLIENT = 'client',
  ADVISOR = 'advisor',
  ADMIN = 'admin',
  SYSTEM = 'system',
  STRIPE = 'stripe',
  CALCOM = 'calcom',
}

export interface PricingSnapshot {
  sku: string;
  currency: string;
  rateCents: number;
  platformFeeCents: number;
  advisorEarningsCents: number;
  advisorShareBps: number;
}

@Entity({ tableName: 'consultations' })
@Check({ name: 'consultations_split_check', expression: 'price_cents = platform_fee_cents + advisor_earnings_cents' })
@Check({ name: 'consultations_duration_check', expression: 'duration_minutes = 15 or duration_minutes = 30 or duration_minutes = 60' })
@Check({ name: 'consultations_amounts_check', expression: 'platform_fee_cents >= 0 and advisor_earnings_cents >= 0' })
@Index({ name: 'consultations_advisor_time_idx', properties: ['advisor', 'startTime'] })
@Index({ name: 'consultations_client_time_idx', properties: ['client', 'startTime'] })
@Index({
  name: 'consultations_pending_expiry_idx',
  expression:
    'create index "consultations_pending_expiry_idx" on "consultations" ("payment_expires_at") where status = \'pending_payment\'',
})
// Two live consultations of one advisor can never overlap: the database decides, not a read before the write.
@Index({
  name: 'consultations_no_overlap',
  expression:
    'alter table "consultations" add constraint "consultations_no_overlap" exclude using gist ("advisor_id" with =, tstzrange("start_time", "end_time") with &&) where (status in (\'pending_payment\', \'scheduled\', \'in_progress\'))',
})
export class Consultation extends UpdatedEntity {
  @ManyToOne(() => Advisor, { deleteRule: 'restrict' })
  advisor: Advisor;

  @ManyToOne(() => User, { deleteRule: 'restrict' })
  client: User;

  @Property({ type: 'uuid', nullable: true })
  projectId: string | null = null;

  @Property({ type: 'text', nullable: true, unique: 'consultations_cal_booking_id_unique' })
  calBookingId: string | null = null;

  @Property({ type: 'timestamptz' })
  startTime: Date;

  @Property({ type: 'timestamptz' })
  endTime: Date;

  @Property({ type: 'int' })
  durationMinutes: number;

  @Enum({ items: () => ConsultationStatus, default: ConsultationStatus.PENDING_PAYMENT })
  status: ConsultationStatus = ConsultationStatus.PENDING_PAYMENT;

  @Property({ type: 'text', nullable: true })
  videoUrl: string | null = null;

  @Property({ type: 'text', nullable: true })
  notes: string | null = null;

  @Property({ type: 'int' })
  priceCents: number;

  @Property({ type: 'int' })
  platformFeeCents: number;

  @Property({ type: 'int' })
  advisorEarningsCents: number;

  @Property({ type: 'text', default: 'USD' })
  currency = 'USD';

  @Property({ type: 'text', nullable: true })
  locale: string | null = null;

  @Property({ type: 'text', nullable: true })
  clientTimezone: string | null = null;

  @Property({ type: 'json' })
  pricingSnapshot: PricingSnapshot;

  /** An unpaid booking holds its slot until then. */
  @Property({ type: 'timestamptz', nullable: true })
  paymentExpiresAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  cancelledAt: Date | null = null;

  @Enum({ items: () => ActorKind, nullable: true })
  cancelledBy: ActorKind | null = null;

  @Property({ type: 'text', nullable: true })
  cancellationReason: string | null = null;

  constructor(init: {
    advisor: Advisor;
    client: User;
    startTime: Date;
    durationMinutes: number;
    priceCents: number;
    platformFeeCents: number;
    advisorEarningsCents: number;
    pricingSnapshot: PricingSnapshot;
  }) {
    super();
    this.advisor = init.advisor;
    this.client = init.client;
    this.startTime = init.startTime;
    this.durationMinutes = init.durationMinutes;
    this.endTime = new Date(init.startTime.getTime() + init.durationMinutes * 60_000);
    this.priceCents = init.priceCents;
    this.platformFeeCents = init.platformFeeCents;
    this.advisorEarningsCents = init.advisorEarningsCents;
    this.pricingSnapshot = init.pricingSnapshot;
  }
}

/** The audit trail of the status machine: every transition, who made it, when and why. */
@Entity({ tableName: 'consultation_status_changes' })
export class ConsultationStatusChange extends BaseEntity {
  @ManyToOne(() => Consultation, { deleteRule: 'cascade', index: true })
  consultation: Consultation;

  @Enum({ items: () => ConsultationStatus, nullable: true })
  fromStatus: ConsultationStatus | null;

  @Enum({ items: () => ConsultationStatus })
  toStatus: ConsultationStatus;

  @Enum({ items: () => ActorKind })
  actorKind: ActorKind;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  actor: User | null;

  @Property({ type: 'text', nullable: true })
  reason: string | null;

  constructor(
    consultation: Consultation,
    from: ConsultationStatus | null,
    to: ConsultationStatus,
    actorKind: ActorKind,
    actor: User | null,
    reason: string | null,
  ) {
    super();
    this.consultation = consultation;
    this.fromStatus = from;
    this.toStatus = to;
    this.actorKind = actorKind;
    this.actor = actor;
    this.reason = reason;
  }
}
