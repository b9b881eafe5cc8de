import { Migration } from '@mikro-orm/migrations';

export class Migration20261125024535_initial extends Migration {

  override async up(): Promise<void> {
    // The no-overlap exclusion constraint on consultations compares uuids with = inside a GiST index.
    this.addSql(`create extension if not exists btree_gist;`);

    this.addSql(`create table "email_outbox" ("id" uuid not null, "dedupe_key" text not null, "to_address" text not null, "template" text not null, "subject" text not null, "data" jsonb not null, "status" text check ("status" in ('pending', 'sent', 'failed')) not null default 'pending', "attempts" int not null default 0, "last_error" text null, "sent_at" timestamptz null, "created_at" timestamptz not null default now(), constraint "email_outbox_pkey" primary key ("id"));`);
    this.addSql(`alter table "email_outbox" add constraint "email_outbox_dedupe_key_unique" unique ("dedupe_key");`);

    this.addSql(`create table "users" ("id" uuid not null, "email" text not null, "given_name" text null, "family_name" text null, "roles" text[] not null default '{}', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "users_pkey" primary key ("id"));`);

    this.addSql(`create table "advisors" ("id" uuid not null, "user_id" uuid not null, "display_name" text not null, "bio" text null, "avatar_url" text null, "skills" text[] not null default '{}', "specialties" text[] not null default '{}', "languages" text[] not null default '{}', "country_code" text null, "cal_com_event_type_url" text null, "rating" double precision not null default 0, "rating_total" int not null default 0, "review_count" int not null default 0, "approval_status" text check ("approval_status" in ('pending', 'approved', 'rejected', 'suspended')) not null default 'pending', "is_accepting_bookings" boolean not null default true, "stripe_connect_account_id" text null, "stripe_details_submitted" boolean not null default false, "stripe_payouts_enabled" boolean not null default false, "applied_at" timestamptz not null default now(), "decided_by_id" uuid null, "decided_at" timestamptz null, "decision_note" text null, "approved_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "advisors_pkey" primary key ("id"));`);
    this.addSql(`alter table "advisors" add constraint "advisors_user_id_unique" unique ("user_id");`);
    this.addSql(`create index "advisors_search_order_idx" on "advisors" ("rating" desc, "review_count" desc, "id") where approval_status = 'approved';`);
    this.addSql(`create index "advisors_approval_idx" on "advisors" ("approval_status", "applied_at");`);

    this.addSql(`create table "consultations" ("id" uuid not null, "advisor_id" uuid not null, "client_id" uuid not null, "project_id" uuid null, "cal_booking_id" text null, "start_time" timestamptz not null, "end_time" timestamptz not null, "duration_minutes" int not null, "status" text check ("status" in ('pending_payment', 'scheduled', 'in_progress', 'completed', 'cancelled', 'no_show')) not null default 'pending_payment', "video_url" text null, "notes" text null, "price_cents" int not null, "platform_fee_cents" int not null, "advisor_earnings_cents" int not null, "currency" text not null default 'USD', "locale" text null, "client_timezone" text null, "pricing_snapshot" jsonb not null, "payment_expires_at" timestamptz null, "cancelled_at" timestamptz null, "cancelled_by" text check ("cancelled_by" in ('client', 'advisor', 'admin', 'system', 'stripe', 'calcom')) null, "cancellation_reason" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "consultations_pkey" primary key ("id"), constraint consultations_amounts_check check (platform_fee_cents >= 0 and advisor_earnings_cents >= 0), constraint consultations_duration_check check (duration_minutes = 15 or duration_minutes = 30 or duration_minutes = 60), constraint consultations_split_check check (price_cents = platform_fee_cents + advisor_earnings_cents));`);
    this.addSql(`alter table "consultations" add constraint "consultations_cal_booking_id_unique" unique ("cal_booking_id");`);
    this.addSql(`alter table "consultations" add constraint "consultations_no_overlap" exclude using gist ("advisor_id" with =, tstzrange("start_time", "end_time") with &&) where (status in ('pending_payment', 'scheduled', 'in_progress'));`);
    this.addSql(`create index "consultations_pending_expiry_idx" on "consultations" ("payment_expires_at") where status = 'pending_payment';`);
    this.addSql(`create index "consultations_client_time_idx" on "consultations" ("client_id", "start_time");`);
    this.addSql(`create index "consultations_advisor_time_idx" on "consultations" ("advisor_id", "start_time");`);

    this.addSql(`create table "consultation_status_changes" ("id" uuid not null, "consultation_id" uuid not null, "from_status" text check ("from_status" in ('pending_payment', 'scheduled', 'in_progress', 'completed', 'cancelled', 'no_show')) null, "to_status" text check ("to_status" in ('pending_payment', 'scheduled', 'in_progress', 'completed', 'cancelled', 'no_show')) not null, "actor_kind" text check ("actor_kind" in ('client', 'advisor', 'admin', 'system', 'stripe', 'calcom')) not null, "actor_id" uuid null, "reason" text null, "created_at" timestamptz not null default now(), constraint "consultation_status_changes_pkey" primary key ("id"));`);
    this.addSql(`create index "consultation_status_changes_consultation_id_index" on "consultation_status_changes" ("consultation_id");`);

    this.addSql(`create table "consultation_charges" ("id" uuid not null, "consultation_id" uuid not null, "stripe_payment_intent_id" text null, "stripe_charge_id" text null, "total_amount_cents" int not null, "platform_fee_cents" int not null, "advisor_earnings_cents" int not null, "currency" text not null default 'USD', "status" text check ("status" in ('pending', 'succeeded', 'failed', 'canceled', 'refunded')) not null default 'pending', "refunded_cents" int not null default 0, "failure_message" text null, "succeeded_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "consultation_charges_pkey" primary key ("id"), constraint consultation_charges_refunded_check check (refunded_cents >= 0 and refunded_cents <= total_amount_cents), constraint consultation_charges_split_check check (total_amount_cents = platform_fee_cents + advisor_earnings_cents));`);
    this.addSql(`alter table "consultation_charges" add constraint "consultation_charges_consultation_id_unique" unique ("consultation_id");`);
    this.addSql(`alter table "consultation_charges" add constraint "consultation_charges_payment_intent_unique" unique ("stripe_payment_intent_id");`);

    this.addSql(`create table "refunds" ("id" uuid not null, "charge_id" uuid not null, "stripe_refund_id" text not null, "amount_cents" int not null, "source" text check ("source" in ('client_cancellation', 'advisor_cancellation', 'admin', 'calcom_cancellation', 'stripe_outside')) not null, "reason" text null, "created_by_id" uuid null, "created_at" timestamptz not null default now(), constraint "refunds_pkey" primary key ("id"), constraint refunds_amount_check check (amount_cents > 0));`);
    this.addSql(`create index "refunds_charge_id_index" on "refunds" ("charge_id");`);
    this.addSql(`alter table "refunds" add constraint "refunds_stripe_refund_id_unique" unique ("stripe_refund_id");`);

    this.addSql(`create table "advisor_status_changes" ("id" uuid not null, "advisor_id" uuid not null, "from_status" text check ("from_status" in ('pending', 'approved', 'rejected', 'suspended')) null, "to_status" text check ("to_status" in ('pending', 'approved', 'rejected', 'suspended')) not null, "actor_id" uuid null, "note" text null, "created_at" timestamptz not null default now(), constraint "advisor_status_changes_pkey" primary key ("id"));`);
    this.addSql(`create index "advisor_status_changes_advisor_id_index" on "advisor_status_changes" ("advisor_id");`);

    this.addSql(`create table "advisor_reviews" ("id" uuid not null, "advisor_id" uuid not null, "client_id" uuid not null, "consultation_id" uuid not null, "rating" smallint not null, "expertise_rating" smallint null, "communication_rating" smallint null, "helpfulness_rating" smallint null, "review_text" text null, "created_at" timestamptz not null default now(), constraint "advisor_reviews_pkey" primary key ("id"), constraint advisor_reviews_helpfulness_check check (helpfulness_rating >= 1 and helpfulness_rating <= 5), constraint advisor_reviews_communication_check check (communication_rating >= 1 and communication_rating <= 5), constraint advisor_reviews_expertise_check check (expertise_rating >= 1 and expertise_rating <= 5), constraint advisor_reviews_rating_check check (rating >= 1 and rating <= 5));`);
    this.addSql(`alter table "advisor_reviews" add constraint "advisor_reviews_consultation_id_unique" unique ("consultation_id");`);
    this.addSql(`create index "advisor_reviews_advisor_created_idx" on "advisor_reviews" ("advisor_id", "created_at");`);

    this.addSql(`create table "advisor_payouts" ("id" uuid not null, "advisor_id" uuid not null, "payout_month" date not null, "total_cents" int not null, "currency" text not null default 'USD', "status" text check ("status" in ('pending', 'processing', 'paid', 'failed', 'on_hold')) not null default 'pending', "stripe_transfer_id" text null, "status_reason" text null, "attempts" int not null default 0, "processed_at" timestamptz null, "processed_by_id" uuid null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "advisor_payouts_pkey" primary key ("id"), constraint advisor_payouts_total_check check (total_cents > 0));`);
    this.addSql(`alter table "advisor_payouts" add constraint "advisor_payouts_advisor_month_unique" unique ("advisor_id", "payout_month");`);

    this.addSql(`create table "ledger_entries" ("id" uuid not null, "advisor_id" uuid not null, "consultation_id" uuid null, "kind" text check ("kind" in ('earning', 'refund', 'chargeback', 'chargeback_won', 'manual')) not null, "amount_cents" int not null, "accrued_at" timestamptz not null, "payout_id" uuid null, "external_ref" text null, "created_by_id" uuid null, "notes" text null, "created_at" timestamptz not null default now(), constraint "ledger_entries_pkey" primary key ("id"), constraint ledger_entries_consultation_check check (kind = 'manual' or consultation_id is not null), constraint ledger_entries_sign_check check (((kind = 'earning' or kind = 'chargeback_won') and amount_cents > 0) or ((kind = 'refund' or kind = 'chargeback') and amount_cents < 0) or (kind = 'manual' and amount_cents <> 0)));`);
    this.addSql(`create index "ledger_entries_consultation_id_index" on "ledger_entries" ("consultation_id");`);
    this.addSql(`create index "ledger_entries_payout_id_index" on "ledger_entries" ("payout_id");`);
    this.addSql(`create unique index "ledger_entries_external_ref" on "ledger_entries" ("kind", "external_ref") where external_ref is not null;`);
    this.addSql(`create unique index "ledger_entries_one_refund" on "ledger_entries" ("consultation_id") where kind = 'refund';`);
    this.addSql(`create unique index "ledger_entries_one_earning" on "ledger_entries" ("consultation_id") where kind = 'earning';`);
    this.addSql(`create index "ledger_entries_unpaid_idx" on "ledger_entries" ("advisor_id", "accrued_at") where payout_id is null;`);
    this.addSql(`create index "ledger_entries_advisor_accrued_idx" on "ledger_entries" ("advisor_id", "accrued_at");`);

    this.addSql(`create table "processed_webhook_events" ("id" uuid not null, "provider" text check ("provider" in ('stripe', 'calcom')) not null, "event_id" text not null, "event_type" text not null, "status" text check ("status" in ('received', 'processed', 'ignored', 'failed')) not null default 'received', "payload" jsonb not null, "attempts" int not null default 0, "last_error" text null, "received_at" timestamptz not null default now(), "processed_at" timestamptz null, constraint "processed_webhook_events_pkey" primary key ("id"));`);
    this.addSql(`create index "processed_webhook_events_status_idx" on "processed_webhook_events" ("status", "received_at");`);
    this.addSql(`alter table "processed_webhook_events" add constraint "processed_webhook_events_provider_event_unique" unique ("provider", "event_id");`);

    this.addSql(`alter table "advisors" add constraint "advisors_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "advisors" add constraint "advisors_decided_by_id_foreign" foreign key ("decided_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "consultations" add constraint "consultations_advisor_id_foreign" foreign key ("advisor_id") references "advisors" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "consultations" add constraint "consultations_client_id_foreign" foreign key ("client_id") references "users" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "consultation_status_changes" add constraint "consultation_status_changes_consultation_id_foreign" foreign key ("consultation_id") references "consultations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "consultation_status_changes" add constraint "consultation_status_changes_actor_id_foreign" foreign key ("actor_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "consultation_charges" add constraint "consultation_charges_consultation_id_foreign" foreign key ("consultation_id") references "consultations" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "refunds" add constraint "refunds_charge_id_foreign" foreign key ("charge_id") references "consultation_charges" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "refunds" add constraint "refunds_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "advisor_status_changes" add constraint "advisor_status_changes_advisor_id_foreign" foreign key ("advisor_id") references "advisors" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "advisor_status_changes" add constraint "advisor_status_changes_actor_id_foreign" foreign key ("actor_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "advisor_reviews" add constraint "advisor_reviews_advisor_id_foreign" foreign key ("advisor_id") references "advisors" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "advisor_reviews" add constraint "advisor_reviews_client_id_foreign" foreign key ("client_id") references "users" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "advisor_reviews" add constraint "advisor_reviews_consultation_id_foreign" foreign key ("consultation_id") references "consultations" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "advisor_payouts" add constraint "advisor_payouts_advisor_id_foreign" foreign key ("advisor_id") references "advisors" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "advisor_payouts" add constraint "advisor_payouts_processed_by_id_foreign" foreign key ("processed_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "ledger_entries" add constraint "ledger_entries_advisor_id_foreign" foreign key ("advisor_id") references "advisors" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "ledger_entries" add constraint "ledger_entries_consultation_id_foreign" foreign key ("consultation_id") references "consultations" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "ledger_entries" add constraint "ledger_entries_payout_id_foreign" foreign key ("payout_id") references "advisor_payouts" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "ledger_entries" add constraint "ledger_entries_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete set null;`);
  }

}
