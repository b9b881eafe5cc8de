import { Migration } from '@mikro-orm/migrations';

export class Migration20261125161615_crash_recovery extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "job_worker_heartbeats" ("worker_id" text not null, "instance_id" text not null, "beat_at" timestamptz not null default now(), constraint "job_worker_heartbeats_pkey" primary key ("worker_id"));`);
    this.addSql(`create index "job_worker_heartbeats_beat_at_idx" on "job_worker_heartbeats" ("beat_at");`);

    this.addSql(`alter table "consultation_charges" add column "payment_intent_key" text null, add column "payment_method_id" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "job_worker_heartbeats" cascade;`);

    this.addSql(`alter table "consultation_charges" drop column "payment_intent_key", drop column "payment_method_id";`);
  }

}
