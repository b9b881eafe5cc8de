import { wrap } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/connection';
import { ProfileChangeStatus, type AdvisorProfileChange } from './profile-change.entity';

registerEnumType(ProfileChangeStatus, {
  name: 'ProfileChangeStatus',
  description: "Where an approved advisor's requested change of display name or booking link stands",
  valuesConfig: {
    PENDING: { description: 'Waiting for an admin' },
    APPROVED: { description: 'Approved and live' },
    REJECTED: { description: 'Rejected by an admin; the live profile kept its values' },
    WITHDRAWN: { description: 'Withdrawn by the advisor asking for the live values again' },
  },
});

@ObjectType('AdvisorProfileChange', {
  description: "An approved advisor's requested change of display name or booking link; live only once an admin approves it",
})
export class AdvisorProfileChangeView {
  @Field(() => ID, { description: 'The change id' }) id!: string;
  @Field(() => ID, { description: 'The advisor' }) advisorId!: string;
  @Field(() => ProfileChangeStatus, { description: 'Where it stands' }) status!: ProfileChangeStatus;
  @Field({ description: 'The display name changes' }) changesDisplayName!: boolean;
  @Field(() => String, { nullable: true, description: 'The requested display name, when it changes' }) displayName!: string | null;
  @Field({ description: 'The booking link changes' }) changesCalComEventTypeUrl!: boolean;
  @Field(() => String, { nullable: true, description: 'The requested booking link, when it changes (null removes it)' })
  calComEventTypeUrl!: string | null;
  @Field(() => String, { nullable: true, description: 'The live display name (when the advisor was loaded)' })
  liveDisplayName!: string | null;
  @Field(() => String, { nullable: true, description: 'The live booking link (when the advisor was loaded)' })
  liveCalComEventTypeUrl!: string | null;
  @Field({ description: 'When the advisor asked' }) requestedAt!: Date;
  @Field(() => Date, { nullable: true, description: 'When an admin decided' }) decidedAt!: Date | null;
  @Field(() => ID, { nullable: true, description: 'The admin who decided' }) decidedById!: string | null;
  @Field(() => String, { nullable: true, description: "The admin's note with the decision" }) note!: string | null;
}

export function toProfileChangeView(c: AdvisorProfileChange): AdvisorProfileChangeView {
  const loaded = wrap(c.advisor).isInitialized();
  return {
    id: c.id,
    advisorId: c.advisor.id,
    status: c.status,
    changesDisplayName: c.changes.displayName !== undefined,
    displayName: c.changes.displayName ?? null,
    changesCalComEventTypeUrl: c.changes.calComEventTypeUrl !== undefined,
    calComEventTypeUrl: c.changes.calComEventTypeUrl ?? null,
    liveDisplayName: loaded ? c.advisor.displayName : null,
    liveCalComEventTypeUrl: loaded ? c.advisor.calComEventTypeUrl : null,
    requestedAt: c.requestedAt,
    decidedAt: c.decidedAt,
    decidedById: c.decidedBy?.id ?? null,
    note: c.note,
  };
}

export const AdvisorProfileChangeConnection = Connection(AdvisorProfileChangeView, 'AdvisorProfileChange', 'profile changes');
