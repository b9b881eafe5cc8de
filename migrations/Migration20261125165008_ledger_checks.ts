import { Migration } from '@mikro-orm/migrations';

export class Migration20261125165008_ledger_checks extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "ledger_check_runs" ("id" uuid not null, "trigger" text check ("trigger" in ('schedule', 'admin')) not null, "trigger_key" text null, "period_from" timestamptz not null, "period_to" timestamptz not null, "status" text check ("status" in ('queued', 'running', 'agreed', 'differences', 'failed')) not null default 'queued', "requested_by_id" uuid null, "payments_compared" int not null default 0, "refunds_compared" int not null default 0, "disputes_compared" int not null default 0, "transfers_compared" int not null default 0, "findings_count" int not null default 0, "summary" text null, "error" text null, "attempts" int not null default 0, "created_at" timestamptz not null default now(), "started_at" timestamptz null, "finished_at" timestamptz null, constraint "ledger_check_runs_pkey" primary key ("id"));`);
    this.addSql(`alter table "ledger_check_runs" add constraint "ledger_check_runs_trigger_key_unique" unique ("trigger_key");`);
    this.addSql(`create index "ledger_check_runs_created_idx" on "ledger_check_runs" ("created_at", "id");`);

    this.addSql(`create table "ledger_check_findings" ("id" uuid not null, "run_id" uuid not null, "position" int not null, "kind" text check ("kind" in ('payment', 'refund', 'dispute', 'transfer')) not null, "our_id" text null, "stripe_id" text null, "difference" text not null, "ours" text not null, "stripe" text not null, "line" text not null, constraint "ledger_check_findings_pkey" primary key ("id"));`);
    this.addSql(`alter table "ledger_check_findings" add constraint "ledger_check_findings_run_position_unique" unique ("run_id", "position");`);

    this.addSql(`alter table "ledger_check_runs" add constraint "ledger_check_runs_requested_by_id_foreign" foreign key ("requested_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "ledger_check_findings" add constraint "ledger_check_findings_run_id_foreign" foreign key ("run_id") references "ledger_check_runs" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "ledger_check_findings" drop constraint "ledger_check_findings_run_id_foreign";`);

    this.addSql(`drop table if exists "ledger_check_runs" cascade;`);

    this.addSql(`drop table if exists "ledger_check_findings" cascade;`);
  }

}
