import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, Enum, Index, ManyToOne, OneToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from '../user/user.entity';

export enum ApprovalStatus {
  PENDING = 'pending',
  APPROVED = 'approved',
  REJECTED = 'rejected',
  SUSPENDED = 'suspended',
}

@Entity({ tableName: 'advisors' })
@Index({ name: 'advisors_approval_idx', properties: ['approvalStatus', 'appliedAt'] })
@Index({
  name: 'advisors_search_order_idx',
  expression:
    'create index "advisors_search_order_idx" on "advisors" ("rating" desc, "review_count" desc, "id") where approval_status = \'approved\'',
})
export class Advisor {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** One advisor profile per user: re-applying after a rejection reuses the row. */
  @OneToOne(() => User, { owner: true, unique: 'advisors_user_id_unique', deleteRule: 'restrict' })
  user: User;

  @Property({ type: 'text' })
  displayName: string;

  @Property({ type: 'text', nullable: true })
  bio: string | null = null;

  @Property({ type: 'text', nullable: true })
  avatarUrl: string | null = null;

  @Property({ type: ArrayType, columnType: 'text[]', default: '{}' })
  skills: string[] = [];

  @Property({ type: ArrayType, columnType: 'text[]', default: '{}' })
  specialties: string[] = [];

  @Property({ type: ArrayType, columnType: 'text[]', default: '{}' })
  languages: string[] = [];

  @Property({ type: 'text', nullable: true })
  countryCode: string | null = null;

  @Property({ type: 'text', nullable: true })
  calComEventTypeUrl: string | null = null;

  /** IANA time zone the advisor's emails show times in; UTC when unset. */
  @Property({ type: 'text', nullable: true })
  timezone: string | null = null;

  /** Language of the advisor's emails (en, ar); English when unset. */
  @Property({ type: 'text', nullable: true })
  locale: string | null = null;

  /** Average overall rating, kept exact by the review service in the same statement as reviewCount. */
  @Property({ type: 'double', default: 0 })
  rating = 0;

  @Property({ type: 'int', default: 0 })
  ratingTotal = 0;

  @Property({ type: 'int', default: 0 })
  reviewCount = 0;

  @Enum({ items: () => ApprovalStatus, nativeEnumName: undefined, default: ApprovalStatus.PENDING })
  approvalStatus: ApprovalStatus = ApprovalStatus.PENDING;

  @Property({ type: 'boolean', default: true })
  isAcceptingBookings = true;

  @Property({ type: 'text', nullable: true, hidden: true })
  stripeConnectAccountId: string | null = null;

  @Property({ type: 'boolean', default: false })
  stripeDetailsSubmitted = false;

  @Property({ type: 'boolean', default: false })
  stripePayoutsEnabled = false;

  /** When the current application was submitted (the first one, or the latest re-application). */
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  appliedAt: Date = new Date();

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  decidedBy: User | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  decidedAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  decisionNote: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  approvedAt: Date | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  constructor(user: User, displayName: string) {
    this.user = user;
    this.displayName = displayName;
  }
}

/** Every approval decision, so who decided what, when and why survives later decisions. */
@Entity({ tableName: 'advisor_status_changes' })
export class AdvisorStatusChange {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Advisor, { deleteRule: 'cascade', index: true })
  advisor: Advisor;

  @Enum({ items: () => ApprovalStatus, nullable: true })
  fromStatus: ApprovalStatus | null;

  @Enum({ items: () => ApprovalStatus })
  toStatus: ApprovalStatus;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  actor: User | null;

  @Property({ type: 'text', nullable: true })
  note: string | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(advisor: Advisor, from: ApprovalStatus | null, to: ApprovalStatus, actor: User | null, note: string | null) {
    this.advisor = advisor;
    this.fromStatus = from;
    this.toStatus = to;
    this.actor = actor;
    this.note = note;
  }
}
