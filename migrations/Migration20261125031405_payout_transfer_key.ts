import { Migration } from '@mikro-orm/migrations';

export class Migration20261125031405_payout_transfer_key extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "advisor_payouts" add column "transfer_idempotency_key" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "advisor_payouts" drop column "transfer_idempotency_key";`);
  }

}
