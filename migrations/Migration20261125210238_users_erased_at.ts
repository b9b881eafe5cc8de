import { Migration } from '@mikro-orm/migrations';

export class Migration20261125210238_users_erased_at extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "users" add column "erased_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "users" drop column "erased_at";`);
  }

}
