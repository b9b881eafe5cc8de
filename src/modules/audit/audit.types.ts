import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/connection';
import { AuditActorKind, type AuditEntry } from './audit.entity';

registerEnumType(AuditActorKind, {
  name: 'AuditActorKind',
  description: 'Who acted: a signed-in person, or one of our systems',
  valuesConfig: {
    PERSON: { description: 'A signed-in person; actorId names them' },
    OPERATOR: { description: 'Someone running one of our scripts at a terminal' },
    SCHEDULER: { description: 'The job queue' },
    STRIPE: { description: "Stripe's webhooks" },
    CALCOM: { description: "Cal.com's webhooks" },
  },
});

@ObjectType('AuditEntry', {
  description: 'One entry of the append-only audit log: who did what to which subject, when, why, and the values before and after',
})
export class AuditEntryView {
  @Field(() => ID, { description: 'The entry id' }) id!: string;
  @Field(() => ID, { nullable: true, description: 'The person who acted; null when a system did' }) actorId!: string | null;
  @Field(() => AuditActorKind, { description: 'Who acted' }) actorKind!: AuditActorKind;
  @Field({ description: 'What was done, as `subject.verb`, e.g. `advisor.approve`, `payout.paid`' }) action!: string;
  @Field({ description: 'The kind of thing acted on, e.g. `advisor`, `consultation`, `payout`' }) subjectType!: string;
  @Field({ description: 'The id of the thing acted on' }) subjectId!: string;
  @Field(() => ID, { nullable: true, description: 'The advisor whose money the entry concerns, if any' }) advisorId!: string | null;
  @Field(() => String, { nullable: true, description: 'Why, as given' }) reason!: string | null;
  @Field(() => String, { nullable: true, description: 'The values before, as a JSON object' }) before!: string | null;
  @Field(() => String, { nullable: true, description: 'The values after, as a JSON object' }) after!: string | null;
  @Field({ description: 'When' }) createdAt!: Date;
}

export const AuditEntryConnection = Connection(AuditEntryView, 'AuditEntry', 'audit log entries');

@InputType({ description: 'Which audit log entries; every condition given must hold' })
export class AuditLogFilter {
  @Field(() => ID, { nullable: true, description: 'Only what this person did' }) actorId?: string;
  @Field(() => String, { nullable: true, description: 'Only about this kind of subject, e.g. `advisor`' }) subjectType?: string;
  @Field(() => String, { nullable: true, description: 'Only about this subject (its id)' }) subjectId?: string;
  @Field(() => String, { nullable: true, description: 'Only this action, e.g. `consultation.refund`' }) action?: string;
  @Field(() => Date, { nullable: true, description: 'Only entries at or after this instant' }) from?: Date;
  @Field(() => Date, { nullable: true, description: 'Only entries before this instant' }) to?: Date;
}

const json = (v: object | null): string | null => (v === null ? null : JSON.stringify(v));

export function toAuditEntryView(e: AuditEntry): AuditEntryView {
  return {
    id: e.id,
    actorId: e.actor?.id ?? null,
    actorKind: e.actorKind,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    advisorId: e.advisorId,
    reason: e.reason,
    before: json(e.before),
    after: json(e.after),
    createdAt: e.createdAt,
  };
}
