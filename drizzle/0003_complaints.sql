CREATE TABLE "complaint_attachments" (
	"id" text PRIMARY KEY NOT NULL,
	"complaint_id" text NOT NULL,
	"side" text NOT NULL,
	"filename" text NOT NULL,
	"sha256" text NOT NULL,
	"byte_size" integer NOT NULL,
	"pages" integer NOT NULL,
	"bytes" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "complaint_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"complaint_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"kind" text NOT NULL,
	"organisation_id" text NOT NULL,
	"member_id" text NOT NULL,
	"role" text NOT NULL,
	"note" text
);
--> statement-breakpoint
CREATE TABLE "complaints" (
	"id" text PRIMARY KEY NOT NULL,
	"complainant_id" text NOT NULL,
	"filed_by" text NOT NULL,
	"listing_id" text NOT NULL,
	"respondent_id" text NOT NULL,
	"original_ids" jsonb NOT NULL,
	"search_id" text,
	"alert_id" text,
	"statement" text NOT NULL,
	"status" text NOT NULL,
	"match" jsonb NOT NULL,
	"appeal" jsonb,
	"decision_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "listings" ADD COLUMN "delisted_by" text;--> statement-breakpoint
ALTER TABLE "complaint_attachments" ADD CONSTRAINT "complaint_attachments_complaint_id_complaints_id_fk" FOREIGN KEY ("complaint_id") REFERENCES "public"."complaints"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaint_events" ADD CONSTRAINT "complaint_events_complaint_id_complaints_id_fk" FOREIGN KEY ("complaint_id") REFERENCES "public"."complaints"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_complainant_id_accounts_id_fk" FOREIGN KEY ("complainant_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_respondent_id_accounts_id_fk" FOREIGN KEY ("respondent_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "complaint_attachments_complaint_idx" ON "complaint_attachments" USING btree ("complaint_id");--> statement-breakpoint
CREATE INDEX "complaint_events_complaint_idx" ON "complaint_events" USING btree ("complaint_id","id");--> statement-breakpoint
CREATE INDEX "complaints_complainant_idx" ON "complaints" USING btree ("complainant_id","created_at");--> statement-breakpoint
CREATE INDEX "complaints_respondent_idx" ON "complaints" USING btree ("respondent_id","created_at");--> statement-breakpoint
CREATE INDEX "complaints_status_idx" ON "complaints" USING btree ("status");