import { Migration } from '@mikro-orm/migrations';

export class Migration20261125162601_emails extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "email_calendar_sequences" ("consultation_id" uuid not null, "sequence" int not null default 0, constraint "email_calendar_sequences_pkey" primary key ("consultation_id"));`);

    this.addSql(`create table "email_preferences" ("user_id" uuid not null, "reminders" boolean not null default true, "rating_prompts" boolean not null default true, "updated_at" timestamptz not null default now(), constraint "email_preferences_pkey" primary key ("user_id"));`);

    this.addSql(`alter table "email_outbox" drop constraint if exists "email_outbox_status_check";`);

    this.addSql(`alter table "email_outbox" add column "recipient_id" uuid null;`);
    this.addSql(`alter table "email_outbox" add constraint "email_outbox_status_check" check("status" in ('pending', 'sent', 'failed', 'skipped'));`);
    this.addSql(`create index "email_outbox_status_created_idx" on "email_outbox" ("status", "created_at");`);

    this.addSql(`alter table "advisors" add column "timezone" text null, add column "locale" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "email_calendar_sequences" cascade;`);

    this.addSql(`drop table if exists "email_preferences" cascade;`);

    this.addSql(`alter table "email_outbox" drop constraint if exists "email_outbox_status_check";`);

    this.addSql(`alter table "advisors" drop column "timezone", drop column "locale";`);

    this.addSql(`drop index "email_outbox_status_created_idx";`);
    this.addSql(`alter table "email_outbox" drop column "recipient_id";`);

    this.addSql(`alter table "email_outbox" add constraint "email_outbox_status_check" check("status" in ('pending', 'sent', 'failed'));`);
  }

}
