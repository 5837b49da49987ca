CREATE TABLE "reanchors" (
	"id" serial PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"from_name" text NOT NULL,
	"to_name" text NOT NULL,
	"root" text NOT NULL,
	"leaf_count" integer NOT NULL,
	"chain_id" bigint,
	"contract" text,
	"tx_hash" text,
	"block_number" bigint,
	"block_timestamp" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reanchors_root_unique" UNIQUE("root")
);
--> statement-breakpoint
CREATE TABLE "signing_key_challenges" (
	"nonce" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"address" text NOT NULL,
	"message" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signing_keys" (
	"id" serial PRIMARY KEY NOT NULL,
	"address" text NOT NULL,
	"account_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "reanchor_id" integer;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "reanchor_proof" jsonb;--> statement-breakpoint
ALTER TABLE "originals" ADD COLUMN "signer" text;--> statement-breakpoint
ALTER TABLE "originals" ADD COLUMN "signature" text;--> statement-breakpoint
ALTER TABLE "originals" ADD COLUMN "signed_at" bigint;--> statement-breakpoint
ALTER TABLE "signing_key_challenges" ADD CONSTRAINT "signing_key_challenges_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signing_keys" ADD CONSTRAINT "signing_keys_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "signing_keys_active_address_idx" ON "signing_keys" USING btree ("address") WHERE "signing_keys"."revoked_at" is null;--> statement-breakpoint
CREATE INDEX "signing_keys_account_idx" ON "signing_keys" USING btree ("account_id");--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_reanchor_id_reanchors_id_fk" FOREIGN KEY ("reanchor_id") REFERENCES "public"."reanchors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "batches_reanchor_idx" ON "batches" USING btree ("reanchor_id");--> statement-breakpoint
CREATE UNIQUE INDEX "originals_signature_idx" ON "originals" USING btree ("signature");