import {
  ArrayMaxSize,
  IsISO31661Alpha2,
  IsOptional,
  IsTimeZone,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { wrap } from '@mikro-orm/core';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Authorized } from 'type-graphql';
import { Access } from '../../auth/auth-checker';
import { Connection } from '../../graphql/connection';
import { Advisor, AdvisorStatusChange, ApprovalStatus } from './advisor.entity';

registerEnumType(ApprovalStatus, {
  name: 'ApprovalStatus',
  description: 'Where an advisor application stands',
  valuesConfig: {
    APPROVED: { description: 'Listed in search and bookable' },
    PENDING: { description: 'Applied, waiting for an admin' },
    REJECTED: { description: 'Turned down by an admin; may apply again' },
    SUSPENDED: { description: 'Approved before, now hidden from search and not bookable' },
  },
});

const URL_OPTS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };
const LANGUAGE = /^[a-z]{2,3}(-[A-Z]{2})?$/;
const EMAIL_LOCALE = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i;

export type PublicAdvisorFields = Pick<
  Advisor,
  | 'id'
  | 'displayName'
  | 'bio'
  | 'avatarUrl'
  | 'skills'
  | 'specialties'
  | 'languages'
  | 'countryCode'
  | 'calComEventTypeUrl'
  | 'rating'
  | 'reviewCount'
  | 'isAcceptingBookings'
  | 'createdAt'
>;

/** What anyone may see of an approved advisor: no Stripe ids, no email, no admin notes. */
// Plain fields, no roles or middleware: no per-field wrapper needed (createSchema checks that).
@ObjectType('Advisor', { description: 'Public profile of an approved advisor', simpleResolvers: true })
export class AdvisorPublic {
  @Field(() => ID, { description: 'The advisor id' }) id!: string;
  @Field({ description: 'Name shown to clients' }) displayName!: string;
  @Field(() => String, { description: 'About the advisor', nullable: true }) bio!: string | null;
  @Field(() => String, { description: 'Picture URL', nullable: true }) avatarUrl!: string | null;
  @Field(() => [String], { description: 'What they advise on, lower case' }) skills!: string[];
  @Field(() => [String], { description: 'Narrower areas of expertise' }) specialties!: string[];
  @Field(() => [String], { description: 'ISO 639 codes' }) languages!: string[];
  @Field(() => String, { description: 'ISO 3166-1 alpha-2', nullable: true }) countryCode!: string | null;
  @Field(() => String, { nullable: true, description: 'Cal.com event type to book through' }) calComEventTypeUrl!: string | null;
  @Field(() => Float, { description: 'Average overall rating, 0 without reviews' }) rating!: number;
  @Field(() => Int, { description: 'How many reviews' }) reviewCount!: number;
  @Field({ description: 'Whether new bookings are taken now' }) isAcceptingBookings!: boolean;
  @Field({ description: 'When the profile was created' }) createdAt!: Date;
}

export function toPublicAdvisor(a: PublicAdvisorFields): AdvisorPublic {
  return {
    id: a.id,
    displayName: a.displayName,
    bio: a.bio,
    avatarUrl: a.avatarUrl,
    skills: a.skills,
    specialties: a.specialties,
    languages: a.languages,
    countryCode: a.countryCode,
    calComEventTypeUrl: a.calComEventTypeUrl,
    rating: a.rating,
    reviewCount: a.reviewCount,
    isAcceptingBookings: a.isAcceptingBookings,
    createdAt: a.createdAt,
  };
}

@ObjectType('AdvisorStatusChange', { description: 'One approval decision about an advisor: from which status to which, by whom and why' })
export class AdvisorStatusChangeView {
  @Field(() => ApprovalStatus, { description: 'The status before; null for a first application', nullable: true })
  fromStatus!: ApprovalStatus | null;
  @Field(() => ApprovalStatus, { description: 'The status after' }) toStatus!: ApprovalStatus;
  @Field(() => ID, { description: 'The admin who decided (user id); null for the application itself', nullable: true }) actorId!:
    string | null;
  @Field(() => String, { description: 'The note given with the decision', nullable: true }) note!: string | null;
  @Field({ description: 'When' }) createdAt!: Date;
}

export function toStatusChangeView(c: AdvisorStatusChange): AdvisorStatusChangeView {
  return { fromStatus: c.fromStatus, toStatus: c.toStatus, actorId: c.actor?.id ?? null, note: c.note, createdAt: c.createdAt };
}

/** The advisor's own profile, also what admins review: the application and its state. */
@ObjectType('AdvisorProfile', { description: "An advisor's own profile, or an application as admins see it" })
export class AdvisorProfile extends AdvisorPublic {
  @Field(() => ApprovalStatus, { description: 'Where the application stands' }) approvalStatus!: ApprovalStatus;
  @Field(() => String, { nullable: true, description: 'The note given with the latest decision' }) decisionNote!: string | null;
  @Field({ description: 'When they last applied' }) appliedAt!: Date;
  @Field(() => Date, { description: 'When the last decision was made', nullable: true }) decidedAt!: Date | null;
  @Field(() => Date, { description: 'When they were first approved', nullable: true }) approvedAt!: Date | null;
  @Field({ description: 'Stripe Connect onboarding finished' }) stripeDetailsSubmitted!: boolean;
  @Field({ description: 'Stripe Connect can receive payouts' }) stripePayoutsEnabled!: boolean;
  @Field(() => String, { nullable: true, description: 'IANA time zone of the emails we send you (UTC when unset)' })
  timezone!: string | null;
  @Field(() => String, { nullable: true, description: 'Language of the emails we send you, e.g. en or ar (English when unset)' })
  locale!: string | null;

  @Authorized(Access.ADMIN)
  @Field(() => String, { nullable: true, description: "Applicant's email (admins only)" })
  email!: string | null;

  @Authorized(Access.ADMIN)
  @Field(() => ID, { nullable: true, description: 'The applicant user id (admins only)' })
  userId!: string | null;

  @Authorized(Access.ADMIN)
  @Field(() => ID, { nullable: true, description: 'Who made the latest decision (admins only)' })
  decidedById!: string | null;
}

export function toAdvisorProfile(a: Advisor): AdvisorProfile {
  return {
    ...toPublicAdvisor(a),
    approvalStatus: a.approvalStatus,
    decisionNote: a.decisionNote,
    appliedAt: a.appliedAt,
    decidedAt: a.decidedAt,
    approvedAt: a.approvedAt,
    stripeDetailsSubmitted: a.stripeDetailsSubmitted,
    stripePayoutsEnabled: a.stripePayoutsEnabled,
    timezone: a.timezone,
    locale: a.locale,
    email: wrap(a.user).isInitialized() ? a.user.email : null,
    userId: a.user.id,
    decidedById: a.decidedBy?.id ?? null,
  };
}

export const AdvisorConnection = Connection(AdvisorPublic, 'Advisor');
export const AdvisorProfileConnection = Connection(AdvisorProfile, 'AdvisorProfile');

@InputType({ description: 'An application to become an advisor; an admin approves or rejects it' })
export class ApplyAsAdvisorInput {
  @Field({ description: 'Name shown to clients' }) @Length(2, 80) displayName!: string;
  @Field(() => String, { description: 'About you, up to 2000 characters', nullable: true }) @IsOptional() @MaxLength(4000) bio?:
    string | null;
  @Field(() => String, { description: 'Picture URL (https)', nullable: true }) @IsOptional() @MaxLength(2048) @IsUrl(URL_OPTS) avatarUrl?:
    string | null;
  @Field(() => [String], { description: 'What you advise on', defaultValue: [] })
  @ArrayMaxSize(30)
  @MinLength(1, { each: true })
  @MaxLength(50, { each: true })
  skills!: string[];
  @Field(() => [String], { description: 'Narrower areas of expertise', defaultValue: [] })
  @ArrayMaxSize(10)
  @MinLength(1, { each: true })
  @MaxLength(50, { each: true })
  specialties!: string[];
  @Field(() => [String], { defaultValue: [], description: 'ISO 639 codes such as en, ar or pt-BR' })
  @ArrayMaxSize(10)
  @Matches(LANGUAGE, { each: true, message: 'each language must be an ISO 639 code such as en or pt-BR' })
  languages!: string[];
  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2' }) @IsOptional() @IsISO31661Alpha2() countryCode?: string | null;
  @Field(() => String, { description: 'Your Cal.com event type, for booking', nullable: true })
  @IsOptional()
  @MaxLength(2048)
  @IsUrl(URL_OPTS)
  calComEventTypeUrl?: string | null;
  @Field(() => String, { nullable: true, description: 'IANA time zone, e.g. Africa/Cairo' }) @IsOptional() @IsTimeZone() timezone?:
    string | null;
  @Field(() => String, { nullable: true, description: 'Email language, e.g. en or ar' }) @IsOptional() @Matches(EMAIL_LOCALE) locale?:
    string | null;
}

@InputType({ description: 'Changes to your advisor profile; fields left out stay as they are' })
export class UpdateAdvisorProfileInput {
  @Field({ description: 'Name shown to clients', nullable: true }) @IsOptional() @Length(2, 80) displayName?: string;
  @Field(() => String, { description: 'About you, up to 2000 characters', nullable: true }) @IsOptional() @MaxLength(4000) bio?:
    string | null;
  @Field(() => String, { description: 'Picture URL (https)', nullable: true }) @IsOptional() @MaxLength(2048) @IsUrl(URL_OPTS) avatarUrl?:
    string | null;
  @Field(() => [String], { description: 'What you advise on', nullable: true })
  @IsOptional()
  @ArrayMaxSize(30)
  @MinLength(1, { each: true })
  @MaxLength(50, { each: true })
  skills?: string[];
  @Field(() => [String], { description: 'Narrower areas of expertise', nullable: true })
  @IsOptional()
  @ArrayMaxSize(10)
  @MinLength(1, { each: true })
  @MaxLength(50, { each: true })
  specialties?: string[];
  @Field(() => [String], { description: 'ISO 639 codes', nullable: true })
  @IsOptional()
  @ArrayMaxSize(10)
  @Matches(LANGUAGE, { each: true, message: 'each language must be an ISO 639 code such as en or pt-BR' })
  languages?: string[];
  @Field(() => String, { description: 'ISO 3166-1 alpha-2', nullable: true }) @IsOptional() @IsISO31661Alpha2() countryCode?: string | null;
  @Field(() => String, { description: 'Your Cal.com event type, for booking', nullable: true })
  @IsOptional()
  @MaxLength(2048)
  @IsUrl(URL_OPTS)
  calComEventTypeUrl?: string | null;
  @Field(() => String, { nullable: true, description: 'IANA time zone, e.g. Africa/Cairo' }) @IsOptional() @IsTimeZone() timezone?:
    string | null;
  @Field(() => String, { nullable: true, description: 'Email language, e.g. en or ar' }) @IsOptional() @Matches(EMAIL_LOCALE) locale?:
    string | null;
}

@InputType({ description: 'Which approved advisors a search returns; every condition given must hold' })
export class AdvisorFilter {
  @Field(() => [String], { nullable: true, description: 'Any of these skills' })
  @IsOptional()
  @ArrayMaxSize(20)
  @MaxLength(50, { each: true })
  skills?: string[];
  @Field(() => [String], { nullable: true, description: 'Any of these specialties' })
  @IsOptional()
  @ArrayMaxSize(20)
  @MaxLength(50, { each: true })
  specialties?: string[];
  @Field(() => [String], { nullable: true, description: 'Any of these languages' })
  @IsOptional()
  @ArrayMaxSize(20)
  @Matches(LANGUAGE, { each: true })
  languages?: string[];
  @Field(() => Float, { description: 'At least this average rating, 0 to 5', nullable: true })
  @IsOptional()
  @Min(0)
  @Max(5)
  minRating?: number;
  @Field({ description: 'Only advisors taking new bookings (true) or not (false)', nullable: true })
  @IsOptional()
  acceptingBookings?: boolean;
  @Field({ nullable: true, description: 'Free text over name and bio' }) @IsOptional() @MaxLength(100) text?: string;
}
