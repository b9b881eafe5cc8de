import { Migration } from '@mikro-orm/migrations';

export class Migration20261125200634_chat extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "consultation_message_reads" ("consultation_id" uuid not null, "user_id" uuid not null, "last_read_at" timestamptz not null, constraint "consultation_message_reads_pkey" primary key ("consultation_id", "user_id"));`);

    this.addSql(`create table "consultation_messages" ("id" uuid not null, "consultation_id" uuid not null, "sender_id" uuid null, "sender_role" text check ("sender_role" in ('client', 'advisor', 'support')) not null, "text" text not null, "created_at" timestamptz not null, constraint "consultation_messages_pkey" primary key ("id"));`);
    this.addSql(`create index "consultation_messages_sender_idx" on "consultation_messages" ("consultation_id", "sender_id", "created_at");`);
    this.addSql(`create index "consultation_messages_page_idx" on "consultation_messages" ("consultation_id", "created_at", "id");`);

    this.addSql(`alter table "consultation_message_reads" add constraint "consultation_message_reads_consultation_id_foreign" foreign key ("consultation_id") references "consultations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "consultation_message_reads" add constraint "consultation_message_reads_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "consultation_messages" add constraint "consultation_messages_consultation_id_foreign" foreign key ("consultation_id") references "consultations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "consultation_messages" add constraint "consultation_messages_sender_id_foreign" foreign key ("sender_id") references "users" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "consultation_message_reads" cascade;`);

    this.addSql(`drop table if exists "consultation_messages" cascade;`);
  }

}
