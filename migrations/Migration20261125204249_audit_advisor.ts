import { Migration } from '@mikro-orm/migrations';

export class Migration20261125204249_audit_advisor extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "audit_log" add column "advisor_id" uuid null;`);
    this.addSql(`create index "audit_log_advisor_idx" on "audit_log" ("advisor_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "audit_log_advisor_idx";`);
    this.addSql(`alter table "audit_log" drop column "advisor_id";`);
  }

}
