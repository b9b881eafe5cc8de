import { Migration } from '@mikro-orm/migrations';

export class Migration20261125193450_payout_status_changes extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "payout_status_changes" ("id" uuid not null, "payout_id" uuid not null, "from_status" text check ("from_status" in ('pending', 'processing', 'paid', 'failed', 'on_hold')) not null, "to_status" text check ("to_status" in ('pending', 'processing', 'paid', 'failed', 'on_hold')) not null, "reason" text null, "changed_by_id" uuid null, "created_at" timestamptz not null default now(), constraint "payout_status_changes_pkey" primary key ("id"));`);
    this.addSql(`create index "payout_status_changes_payout_id_index" on "payout_status_changes" ("payout_id");`);

    this.addSql(`alter table "payout_status_changes" add constraint "payout_status_changes_payout_id_foreign" foreign key ("payout_id") references "advisor_payouts" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "payout_status_changes" add constraint "payout_status_changes_changed_by_id_foreign" foreign key ("changed_by_id") references "users" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "payout_status_changes" cascade;`);
  }

}
