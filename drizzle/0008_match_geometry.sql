DROP TABLE "meta" CASCADE;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "geometry" jsonb;--> statement-breakpoint
ALTER TABLE "complaints" ADD COLUMN "match_geometry" jsonb;--> statement-breakpoint
ALTER TABLE "search_records" ADD COLUMN "hit_matches" jsonb;