import { Migration } from '@mikro-orm/migrations';

export class Migration20261125031301_charge_dispute_status extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "consultation_charges" add column "dispute_status" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "consultation_charges" drop column "dispute_status";`);
  }

}
