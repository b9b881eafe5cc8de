import { Arg, Authorized, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Query, registerEnumType, Resolver } from 'type-graphql';
import { IsBoolean, IsOptional } from 'class-validator';
import { Access } from '../../auth/auth-checker';
import type { Context } from '../../context';
import { Connection, mapConnection } from '../../graphql/connection';
import { EmailStatus, type OutboxEmail } from './email.entity';

registerEnumType(EmailStatus, {
  name: 'EmailStatus',
  description: 'Where an outgoing email stands',
  valuesConfig: {
    FAILED: { description: 'Could not be delivered; can be resent' },
    PENDING: { description: 'Queued for delivery' },
    SENT: { description: 'Handed to the mail server' },
    SKIPPED: { description: 'Not sent: the recipient turned this kind of email off' },
  },
});

@ObjectType('Email', { description: 'An outgoing email and what became of it (admins)' })
export class EmailView {
  @Field(() => ID, { description: 'The email id' }) id!: string;
  @Field({ description: 'The recipient address' }) to!: string;
  @Field({ description: 'Which email, e.g. booking-confirmed' }) template!: string;
  @Field({ description: 'The subject line' }) subject!: string;
  @Field(() => EmailStatus, { description: 'Where it stands' }) status!: EmailStatus;
  @Field(() => Int, { description: 'Delivery attempts so far' }) attempts!: number;
  @Field(() => String, { nullable: true, description: 'The last delivery error, or why it was skipped' }) lastError!: string | null;
  @Field({ description: 'When it was queued' }) createdAt!: Date;
  @Field(() => Date, { description: 'When the mail server took it', nullable: true }) sentAt!: Date | null;
}

const toView = (e: OutboxEmail): EmailView => ({
  id: e.id,
  to: e.toAddress,
  template: e.template,
  subject: e.subject,
  status: e.status,
  attempts: e.attempts,
  lastError: e.lastError,
  createdAt: e.createdAt,
  sentAt: e.sentAt,
});

const EmailConnection = Connection(EmailView, 'Email');

@ObjectType('EmailPreferences', { description: 'Emails you may turn off; confirmations and money notices always go out' })
export class EmailPreferencesView {
  @Field({ description: 'Reminders 24 hours before each consultation' }) reminders!: boolean;
  @Field({ description: 'Requests to rate a consultation after it ends' }) ratingPrompts!: boolean;
}

@InputType({ description: 'Optional emails to turn on or off; fields left out stay as they are' })
export class EmailPreferencesInput {
  @Field(() => Boolean, { description: 'Remind me before a consultation', nullable: true }) @IsOptional() @IsBoolean() reminders?:
    boolean | null;
  @Field(() => Boolean, { description: 'Ask me to review a consultation after it', nullable: true })
  @IsOptional()
  @IsBoolean()
  ratingPrompts?: boolean | null;
}

@Resolver()
export class EmailResolver {
  @Authorized(Access.ADMIN)
  @Query(() => EmailConnection, { description: 'Outgoing emails, newest first; FAILED ones can be resent' })
  async emails(
    @Ctx() ctx: Context,
    @Arg('status', () => EmailStatus, { description: 'Only this status', nullable: true }) status?: EmailStatus,
    @Arg('first', () => Int, { description: 'How many items, from 1 to 100', nullable: true }) first?: number,
    @Arg('after', () => String, { description: 'The items after this cursor (an `endCursor`)', nullable: true }) after?: string,
  ) {
    return mapConnection(await ctx.services.notifications.admin.list(status, first, after), toView);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => EmailView, { description: 'Send a FAILED email again (it becomes PENDING and is delivered by the queue)' })
  async resendEmail(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The email id' }) id: string) {
    return toView(await ctx.services.notifications.admin.resend(id));
  }

  @Authorized()
  @Query(() => EmailPreferencesView, { description: 'Which optional emails you receive' })
  async myEmailPreferences(@Ctx() ctx: Context): Promise<EmailPreferencesView> {
    return ctx.services.notifications.admin.preferences(ctx.requireActor());
  }

  @Authorized()
  @Mutation(() => EmailPreferencesView, { description: 'Turn optional emails on or off; fields left out stay as they are' })
  async setEmailPreferences(
    @Ctx() ctx: Context,
    @Arg('input', () => EmailPreferencesInput, { description: 'The emails to turn on or off' }) input: EmailPreferencesInput,
  ) {
    return ctx.services.notifications.admin.setPreferences(ctx.requireActor(), input);
  }
}
