import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from '../user/user.entity';
import { Advisor } from './advisor.entity';

export enum ProfileChangeStatus {
  PENDING = 'pending',
  APPROVED = 'approved',
  REJECTED = 'rejected',
  /** Replaced by a later request, or taken back by the advisor setting the live values again. */
  WITHDRAWN = 'withdrawn',
}

/** The public fields whose change an admin approves once the advisor is approved (the rest apply at once). */
export interface ReviewedProfileFields {
  displayName?: string;
  calComEventTypeUrl?: string | null;
}

/**
 * An approved advisor's requested change of a reviewed field (display name, booking link): the
 * live profile keeps the old values until an admin approves it. At most one pending per advisor;
 * a later request replaces it.
 */
@Entity({ tableName: 'advisor_profile_changes' })
@Index({ name: 'advisor_profile_changes_status_idx', properties: ['status', 'requestedAt'] })
@Index({
  name: 'advisor_profile_changes_one_pending',
  expression:
    'create unique index "advisor_profile_changes_one_pending" on "advisor_profile_changes" ("advisor_id") where status = \'pending\'',
})
export class AdvisorProfileChange {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Advisor, { deleteRule: 'cascade', index: true })
  advisor: Advisor;

  /** Only the fields to change, with their new values. */
  @Property({ type: 'json' })
  changes: ReviewedProfileFields;

  @Enum({ items: () => ProfileChangeStatus, default: ProfileChangeStatus.PENDING })
  status: ProfileChangeStatus = ProfileChangeStatus.PENDING;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  requestedAt: Date = new Date();

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  decidedBy: User | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  decidedAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  note: string | null = null;

  constructor(advisor: Advisor, changes: ReviewedProfileFields) {
    this.advisor = advisor;
    this.changes = changes;
  }
}
