import { randomUUID } from 'node:crypto';
import { Check, Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Advisor } from '../advisor/advisor.entity';

/** What the availability rules read of a span of weekly hours. */
export type WeeklySpanRow = Pick<AdvisorWeeklyHours, 'weekday' | 'startTime' | 'endTime' | 'timeZone'>;

/**
 * One span of an advisor's weekly hours: a weekday and a local start and end time in the
 * advisor's IANA time zone, kept as wall-clock times so that they mean the same hours on either
 * side of a daylight-saving change. The availability module alone writes this table.
 */
@Entity({ tableName: 'advisor_weekly_hours' })
@Index({ name: 'advisor_weekly_hours_advisor_idx', properties: ['advisor', 'weekday'] })
@Check({ name: 'advisor_weekly_hours_weekday_check', expression: 'weekday >= 1 and weekday <= 7' })
@Check({ name: 'advisor_weekly_hours_span_check', expression: 'start_time < end_time' })
export class AdvisorWeeklyHours {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Advisor, { deleteRule: 'cascade' })
  advisor: Advisor;

  /** ISO weekday: 1 = Monday ... 7 = Sunday. */
  @Property({ type: 'smallint' })
  weekday: number;

  /** Local time, 'HH:MM:SS'. */
  @Property({ columnType: 'time', type: 'string' })
  startTime: string;

  /** Local time, 'HH:MM:SS'; '24:00:00' is the end of the day. */
  @Property({ columnType: 'time', type: 'string' })
  endTime: string;

  @Property({ type: 'text' })
  timeZone: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(advisor: Advisor, weekday: number, startTime: string, endTime: string, timeZone: string) {
    this.advisor = advisor;
    this.weekday = weekday;
    this.startTime = startTime;
    this.endTime = endTime;
    this.timeZone = timeZone;
  }
}
