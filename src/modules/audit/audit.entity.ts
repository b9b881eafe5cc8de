import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from '../user/user.entity';

/** Who acted: a signed-in person (`actor_id` names them) or one of our systems. */
export enum AuditActorKind {
  PERSON = 'person',
  OPERATOR = 'operator',
  SCHEDULER = 'scheduler',
  STRIPE = 'stripe',
  CALCOM = 'calcom',
}

/**
 * The append-only record of what people and operators did to the platform (role grants, profile
 * reviews, and what issue 14's admin audit trail adds): who, what, on which subject, why, and the
 * subject's state before and after. Rows are inserted by AuditLog.record and never changed: there
 * is no update or delete path in the code, and a trigger (see its migration) refuses both.
 */
@Entity({ tableName: 'audit_log' })
@Index({ name: 'audit_log_subject_idx', properties: ['subjectType', 'subjectId', 'createdAt'] })
@Index({ name: 'audit_log_created_at_idx', properties: ['createdAt'] })
export class AuditEntry {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { nullable: true, deleteRule: 'no action', index: true })
  actor: User | null;

  @Enum({ items: () => AuditActorKind })
  actorKind: AuditActorKind;

  /** What was done, as `subject.verb`, e.g. `role.grant`, `advisor_profile.change_approved`. */
  @Property({ type: 'text' })
  action: string;

  /** The kind of thing acted on, e.g. `user`, `advisor`. */
  @Property({ type: 'text' })
  subjectType: string;

  @Property({ type: 'text' })
  subjectId: string;

  @Property({ type: 'text', nullable: true })
  reason: string | null;

  /** The advisor whose money the entry concerns (earnings, refunds, adjustments, payouts): they read it with myAuditLog. */
  @Property({ type: 'uuid', nullable: true, index: 'audit_log_advisor_idx' })
  advisorId: string | null;

  @Property({ type: 'json', nullable: true })
  before: object | null;

  @Property({ type: 'json', nullable: true })
  after: object | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(init: Omit<AuditEntry, 'id' | 'createdAt'>) {
    this.actor = init.actor;
    this.actorKind = init.actorKind;
    this.action = init.action;
    this.subjectType = init.subjectType;
    this.subjectId = init.subjectId;
    this.reason = init.reason;
    this.advisorId = init.advisorId;
    this.before = init.before;
    this.after = init.after;
  }
}
