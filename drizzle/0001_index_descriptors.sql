ALTER TABLE "images" ADD COLUMN "index_descriptors" "bytea";--> statement-breakpoint
-- Backfill from the IMF v1 features record (src/matching/serialize.ts): 12-byte header with the keypoint count n
-- as u16 LE at offset 8, then 4·n bytes of positions, then the descriptors; keep the first 64 (strongest first).
UPDATE "images" SET "index_descriptors" = substring("features" from 13 + 4 * (get_byte("features", 8) + 256 * get_byte("features", 9)) for 32 * 64) WHERE "features" IS NOT NULL;
