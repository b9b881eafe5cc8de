import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Consultation } from '../consultation/consultation.entity';
import { User } from '../user/user.entity';

/** Who wrote a message, as every party sees it. */
export enum ChatRole {
  CLIENT = 'client',
  ADVISOR = 'advisor',
  SUPPORT = 'support',
}

/** One chat message of a consultation. The chat module alone writes this table. */
@Entity({ tableName: 'consultation_messages' })
@Index({ name: 'consultation_messages_page_idx', properties: ['consultation', 'createdAt', 'id'] })
@Index({ name: 'consultation_messages_sender_idx', properties: ['consultation', 'sender', 'createdAt'] })
export class ConsultationMessage {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Consultation, { deleteRule: 'cascade' })
  consultation: Consultation;

  /** Null once the sender's account is erased; the role stays. */
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  sender: User | null;

  @Enum({ items: () => ChatRole })
  senderRole: ChatRole;

  @Property({ type: 'text' })
  text: string;

  /** Set here, to the millisecond, so that it is exactly the keyset cursor's value. */
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  constructor(consultation: Consultation, sender: User, senderRole: ChatRole, text: string) {
    this.consultation = consultation;
    this.sender = sender;
    this.senderRole = senderRole;
    this.text = text;
  }
}

/** How far a person has read a consultation's chat: messages up to `lastReadAt` are read. */
@Entity({ tableName: 'consultation_message_reads' })
export class ConsultationMessageRead {
  @ManyToOne(() => Consultation, { primary: true, deleteRule: 'cascade' })
  consultation!: Consultation;

  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user!: User;

  @Property({ type: 'timestamptz' })
  lastReadAt!: Date;
}
