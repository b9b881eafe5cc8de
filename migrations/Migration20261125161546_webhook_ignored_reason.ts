import { Migration } from '@mikro-orm/migrations';

export class Migration20261125161546_webhook_ignored_reason extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "processed_webhook_events" add column "ignored_reason" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "processed_webhook_events" drop column "ignored_reason";`);
  }

}
