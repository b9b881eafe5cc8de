import { ArrayMaxSize, IsOptional, IsTimeZone, Matches, Max, Min } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AvailabilitySource, MAX_RANGE_DAYS, SLOT_STEP_MINUTES } from './availability.service';

registerEnumType(AvailabilitySource, {
  name: 'AvailabilitySource',
  description: 'Where an advisor’s free times come from',
  valuesConfig: {
    CALCOM: { description: 'Cal.com’s slots for the advisor’s event type (CALCOM_API_KEY is set)' },
    WEEKLY_HOURS: { description: 'The weekly hours the advisor set here (setWeeklyAvailability)' },
    ANY_TIME: { description: 'No weekly hours and no Cal.com: any time within the minimum notice and the horizon' },
  },
});

@ObjectType({ description: 'One span of weekly hours, in local time of the hours’ time zone' })
export class WeeklyHoursSpan {
  @Field(() => Int, { description: '1 = Monday ... 7 = Sunday' }) weekday!: number;
  @Field({ description: 'Local start, HH:MM' }) start!: string;
  @Field({ description: 'Local end, HH:MM (24:00 is the end of the day)' }) end!: string;
}

@ObjectType({ description: 'An advisor’s weekly hours' })
export class WeeklyAvailability {
  @Field(() => String, { nullable: true, description: 'IANA time zone the hours are in; null when none are set' })
  timeZone!: string | null;

  @Field(() => [WeeklyHoursSpan], { description: 'Empty: bookable at any time within the notice and the horizon' })
  hours!: WeeklyHoursSpan[];
}

@InputType({ description: 'One span of local time on a weekday' })
export class WeeklyHoursInput {
  @Field(() => Int, { description: '1 = Monday ... 7 = Sunday' }) @Min(1) @Max(7) weekday!: number;
  @Field({ description: 'Local start, HH:MM' }) @Matches(/^([01]\d|2[0-3]):[0-5]\d$/) start!: string;
  @Field({ description: 'Local end, HH:MM (24:00 for the end of the day)' }) @Matches(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/) end!: string;
}

@InputType({ description: "An advisor's weekly hours, replacing the previous ones" })
export class SetWeeklyAvailabilityInput {
  @Field(() => String, {
    nullable: true,
    description: 'IANA time zone of the hours (e.g. Europe/Berlin); default: your profile’s time zone, else UTC',
  })
  @IsOptional()
  @IsTimeZone()
  timeZone?: string | null;

  @Field(() => [WeeklyHoursInput], { description: 'Replaces all your weekly hours; empty clears them' })
  @ArrayMaxSize(50)
  hours!: WeeklyHoursInput[];
}

@ObjectType({ description: `Free start times of an advisor, every ${SLOT_STEP_MINUTES} minutes within their hours` })
export class AdvisorAvailability {
  @Field(() => ID, { description: 'The advisor id' }) advisorId!: string;
  @Field(() => Int, { description: 'The duration the start times are for' }) durationMinutes!: number;
  @Field(() => AvailabilitySource, { description: 'Where the start times come from' }) source!: AvailabilitySource;

  @Field(() => String, { nullable: true, description: 'The time zone of the advisor’s weekly hours (WEEKLY_HOURS only)' })
  timeZone!: string | null;

  @Field(() => [Date], {
    description: `Starts from \`from\` (inclusive) to \`to\` (exclusive, at most ${MAX_RANGE_DAYS} days later) that bookConsultation accepts now`,
  })
  slots!: Date[];
}
