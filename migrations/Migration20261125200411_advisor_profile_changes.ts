import { Migration } from '@mikro-orm/migrations';

export class Migration20261125200411_advisor_profile_changes extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "advisor_profile_changes" ("id" uuid not null, "advisor_id" uuid not null, "changes" jsonb not null, "status" text check ("status" in ('pending', 'approved', 'rejected', 'withdrawn')) not null default 'pending', "requested_at" timestamptz not null default now(), "decided_by_id" uuid null, "decided_at" timestamptz null, "note" text null, constraint "advisor_profile_changes_pkey" primary key ("id"));`);
    this.addSql(`create index "advisor_profile_changes_advisor_id_index" on "advisor_profile_changes" ("advisor_id");`);
    this.addSql(`create unique index "advisor_profile_changes_one_pending" on "advisor_profile_changes" ("advisor_id") where status = 'pending';`);
    this.addSql(`create index "advisor_profile_changes_status_idx" on "advisor_profile_changes" ("status", "requested_at");`);

    this.addSql(`alter table "advisor_profile_changes" add constraint "advisor_profile_changes_advisor_id_foreign" foreign key ("advisor_id") references "advisors" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "advisor_profile_changes" add constraint "advisor_profile_changes_decided_by_id_foreign" foreign key ("decided_by_id") references "users" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "advisor_profile_changes" cascade;`);
  }

}
