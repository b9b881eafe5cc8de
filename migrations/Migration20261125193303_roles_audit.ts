import { Migration } from '@mikro-orm/migrations';

export class Migration20261125193303_roles_audit extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "audit_log" ("id" uuid not null, "actor_id" uuid null, "actor_kind" text check ("actor_kind" in ('person', 'operator', 'scheduler', 'stripe', 'calcom')) not null, "action" text not null, "subject_type" text not null, "subject_id" text not null, "reason" text null, "before" jsonb null, "after" jsonb null, "created_at" timestamptz not null default now(), constraint "audit_log_pkey" primary key ("id"));`);
    this.addSql(`create index "audit_log_actor_id_index" on "audit_log" ("actor_id");`);
    this.addSql(`create index "audit_log_created_at_idx" on "audit_log" ("created_at");`);
    this.addSql(`create index "audit_log_subject_idx" on "audit_log" ("subject_type", "subject_id", "created_at");`);

    this.addSql(`create table "user_roles" ("id" uuid not null, "user_id" uuid not null, "role" text check ("role" in ('admin')) not null, "granted_by_id" uuid null, "granted_at" timestamptz not null default now(), constraint "user_roles_pkey" primary key ("id"));`);
    this.addSql(`alter table "user_roles" add constraint "user_roles_user_role_unique" unique ("user_id", "role");`);

    this.addSql(`alter table "audit_log" add constraint "audit_log_actor_id_foreign" foreign key ("actor_id") references "users" ("id") on update cascade on delete no action;`);

    this.addSql(`alter table "user_roles" add constraint "user_roles_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "user_roles" add constraint "user_roles_granted_by_id_foreign" foreign key ("granted_by_id") references "users" ("id") on update cascade on delete set null;`);

    // The audit log is append-only in the database too: no statement can change or remove an entry.
    this.addSql(`create function audit_log_append_only() returns trigger language plpgsql as $$
      begin raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege'; end $$;`);
    this.addSql(`create trigger audit_log_append_only before update or delete or truncate on "audit_log"
      for each statement execute function audit_log_append_only();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_log" cascade;`);
    this.addSql(`drop function if exists audit_log_append_only();`);

    this.addSql(`drop table if exists "user_roles" cascade;`);
  }

}
