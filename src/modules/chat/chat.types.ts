import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/connection';
import { ChatRole } from './chat.entity';
import type { MessageRow } from './chat.service';

registerEnumType(ChatRole, {
  name: 'ChatRole',
  description: 'Who wrote a chat message',
  valuesConfig: {
    SUPPORT: { description: 'An admin of the platform' },
    CLIENT: { description: 'The client who booked' },
    ADVISOR: { description: 'The advisor giving the consultation' },
  },
});

@ObjectType('ConsultationMessage', { description: 'A chat message of a consultation' })
export class ConsultationMessageView {
  @Field(() => ID, { description: 'The message id' }) id!: string;
  @Field(() => ID, { description: 'The consultation it belongs to' }) consultationId!: string;
  @Field({ description: 'What was written' }) text!: string;
  @Field({ description: 'When it was sent' }) sentAt!: Date;
  @Field(() => ChatRole, { description: 'Who wrote it' }) from!: ChatRole;

  @Field(() => String, {
    nullable: true,
    description: "The client's first name, the advisor's display name, or null for support",
  })
  senderName!: string | null;

  @Field({ description: 'You wrote it' }) mine!: boolean;
}

export const ConsultationMessageConnection = Connection(ConsultationMessageView, 'ConsultationMessage', 'chat messages');

/** Built field by field on purpose: nothing of the client but the first name reaches anyone here. */
export function toMessageView(m: MessageRow, viewerId: string): ConsultationMessageView {
  const c = m.consultation;
  const senderName =
    m.senderRole === ChatRole.CLIENT ? c.client.givenName : m.senderRole === ChatRole.ADVISOR ? c.advisor.displayName : null;
  return {
    id: m.id,
    consultationId: c.id,
    text: m.text,
    sentAt: m.createdAt,
    from: m.senderRole,
    senderName,
    mine: m.sender?.id === viewerId,
  };
}
