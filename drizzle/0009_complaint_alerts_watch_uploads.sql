CREATE TABLE "watch_uploads" (
	"image_id" text PRIMARY KEY NOT NULL,
	"bytes" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alerts" ALTER COLUMN "original_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "watch_uploads" ADD CONSTRAINT "watch_uploads_image_id_images_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."images"("id") ON DELETE cascade ON UPDATE no action;