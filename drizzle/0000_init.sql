CREATE TABLE "accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" serial PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"key_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "batches" (
	"id" serial PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"root" text NOT NULL,
	"leaf_count" integer NOT NULL,
	"sealed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"chain_id" bigint,
	"contract" text,
	"tx_hash" text,
	"block_number" bigint,
	"block_timestamp" bigint,
	"gas_used" bigint,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"anchored_at" timestamp with time zone,
	CONSTRAINT "batches_root_unique" UNIQUE("root")
);
--> statement-breakpoint
CREATE TABLE "images" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"kind" text NOT NULL,
	"account_id" text NOT NULL,
	"sha256" text NOT NULL,
	"pdq" "bytea" NOT NULL,
	"pdq_quality" smallint NOT NULL,
	"phash" bigint NOT NULL,
	"phash_0" integer NOT NULL,
	"phash_1" integer NOT NULL,
	"phash_2" integer NOT NULL,
	"phash_3" integer NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"format" text NOT NULL,
	"byte_size" integer NOT NULL,
	"thumbnail" "bytea" NOT NULL,
	"features" "bytea",
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "images_seq_unique" UNIQUE("seq")
);
--> statement-breakpoint
CREATE TABLE "listings" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"image_id" text NOT NULL,
	"product_id" text NOT NULL,
	"category" text NOT NULL,
	"store_country" text NOT NULL,
	"source_url" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"store_id" text NOT NULL,
	"listed_at" timestamp with time zone NOT NULL,
	"delisted_at" timestamp with time zone,
	CONSTRAINT "listings_image_id_unique" UNIQUE("image_id")
);
--> statement-breakpoint
CREATE TABLE "meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "originals" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"image_id" text NOT NULL,
	"product_id" text NOT NULL,
	"category" text NOT NULL,
	"store_country" text NOT NULL,
	"source_url" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sha256" text NOT NULL,
	"title" text,
	"registered_at_ms" bigint NOT NULL,
	"leaf" text NOT NULL,
	"batch_id" integer,
	"leaf_index" integer,
	"proof" jsonb,
	CONSTRAINT "originals_image_id_unique" UNIQUE("image_id")
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "listings" ADD CONSTRAINT "listings_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "listings" ADD CONSTRAINT "listings_image_id_images_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."images"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "originals" ADD CONSTRAINT "originals_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "originals" ADD CONSTRAINT "originals_image_id_images_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."images"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "originals" ADD CONSTRAINT "originals_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "batches_status_idx" ON "batches" USING btree ("status");--> statement-breakpoint
CREATE INDEX "images_sha256_idx" ON "images" USING btree ("sha256");--> statement-breakpoint
CREATE INDEX "images_phash_0_idx" ON "images" USING btree ("phash_0");--> statement-breakpoint
CREATE INDEX "images_phash_1_idx" ON "images" USING btree ("phash_1");--> statement-breakpoint
CREATE INDEX "images_phash_2_idx" ON "images" USING btree ("phash_2");--> statement-breakpoint
CREATE INDEX "images_phash_3_idx" ON "images" USING btree ("phash_3");--> statement-breakpoint
CREATE INDEX "listings_listed_idx" ON "listings" USING btree ("listed_at");--> statement-breakpoint
CREATE INDEX "listings_delisted_idx" ON "listings" USING btree ("delisted_at");--> statement-breakpoint
CREATE UNIQUE INDEX "originals_account_sha256_idx" ON "originals" USING btree ("account_id","sha256");--> statement-breakpoint
CREATE INDEX "originals_account_registered_idx" ON "originals" USING btree ("account_id","registered_at_ms");--> statement-breakpoint
CREATE INDEX "originals_pending_idx" ON "originals" USING btree ("registered_at_ms") WHERE "originals"."batch_id" is null;--> statement-breakpoint
CREATE INDEX "originals_batch_idx" ON "originals" USING btree ("batch_id");