CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"account_id" text NOT NULL,
	"member_id" text NOT NULL,
	"key_prefix" text NOT NULL,
	"action" text NOT NULL,
	"target" text,
	"status" smallint NOT NULL,
	"error_code" text
);
--> statement-breakpoint
CREATE TABLE "members" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone
);
--> statement-breakpoint
-- Every existing account becomes an organisation with one member, its owner (the admin account's: its admin),
-- who holds all of the account's keys and is recorded as having registered and listed what the account did.
-- The member id reuses the account id's random part (acc_X -> mem_X), so this migration needs no randomness.
INSERT INTO "members" ("id", "account_id", "name", "role", "created_at")
  SELECT 'mem_' || substr("id", 5), "id", CASE WHEN "role" = 'admin' THEN 'admin' ELSE 'owner' END,
         CASE WHEN "role" = 'admin' THEN 'admin' ELSE 'owner' END, "created_at"
    FROM "accounts";--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "member_id" text;--> statement-breakpoint
UPDATE "api_keys" SET "member_id" = 'mem_' || substr("account_id", 5);--> statement-breakpoint
ALTER TABLE "api_keys" ALTER COLUMN "member_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "prefix" text;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "bootstrap" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Until now the admin account's keys could only come from IMPRINT_ADMIN_KEY or the first start's generated key.
UPDATE "api_keys" SET "bootstrap" = true WHERE "account_id" = 'acc_admin';--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "last_used_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "listings" ADD COLUMN "listed_by" text;--> statement-breakpoint
UPDATE "listings" SET "listed_by" = 'mem_' || substr("account_id", 5);--> statement-breakpoint
ALTER TABLE "listings" ALTER COLUMN "listed_by" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "originals" ADD COLUMN "registered_by" text;--> statement-breakpoint
UPDATE "originals" SET "registered_by" = 'mem_' || substr("account_id", 5);--> statement-breakpoint
ALTER TABLE "originals" ALTER COLUMN "registered_by" SET NOT NULL;--> statement-breakpoint
-- Complaints recorded the acting member as the account id (an account was its own member until now).
UPDATE "complaints" SET "filed_by" = 'mem_' || substr("filed_by", 5) WHERE substr("filed_by", 1, 4) = 'acc_';--> statement-breakpoint
UPDATE "complaint_events" SET "member_id" = 'mem_' || substr("member_id", 5) WHERE substr("member_id", 1, 4) = 'acc_';--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "members" ADD CONSTRAINT "members_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_account_idx" ON "audit_log" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "members_account_idx" ON "members" USING btree ("account_id");--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "listings" ADD CONSTRAINT "listings_listed_by_members_id_fk" FOREIGN KEY ("listed_by") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "originals" ADD CONSTRAINT "originals_registered_by_members_id_fk" FOREIGN KEY ("registered_by") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_account_idx" ON "api_keys" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "api_keys_member_idx" ON "api_keys" USING btree ("member_id");;--> statement-breakpoint
-- The audit log is append-only in the database too: whoever holds the service's database role cannot rewrite it.
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();