-- AlterTable
ALTER TABLE "RecognitionEvent" ADD COLUMN     "eventsPublished" INTEGER NOT NULL DEFAULT 0;
-- Attempts recorded before this migration are not caught up (they were published, or events out did not exist yet).
UPDATE "RecognitionEvent" SET "eventsPublished" = 2;
