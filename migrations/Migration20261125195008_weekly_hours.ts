import { Migration } from '@mikro-orm/migrations';

export class Migration20261125195008_weekly_hours extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "advisor_weekly_hours" ("id" uuid not null, "advisor_id" uuid not null, "weekday" smallint not null, "start_time" time not null, "end_time" time not null, "time_zone" text not null, "created_at" timestamptz not null default now(), constraint "advisor_weekly_hours_pkey" primary key ("id"), constraint advisor_weekly_hours_span_check check (start_time < end_time), constraint advisor_weekly_hours_weekday_check check (weekday >= 1 and weekday <= 7));`);
    this.addSql(`create index "advisor_weekly_hours_advisor_idx" on "advisor_weekly_hours" ("advisor_id", "weekday");`);

    this.addSql(`alter table "advisor_weekly_hours" add constraint "advisor_weekly_hours_advisor_id_foreign" foreign key ("advisor_id") references "advisors" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "advisor_weekly_hours" cascade;`);
  }

}
