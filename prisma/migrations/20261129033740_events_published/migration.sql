-- AlterTable (a plain ADD COLUMN: the column is the table's last, so no rebuild of the audit log is needed)
ALTER TABLE "RecognitionEvent" ADD COLUMN "eventsPublished" INTEGER NOT NULL DEFAULT 0;
-- Attempts recorded before this migration are not caught up (they were published, or events out did not exist yet).
UPDATE "RecognitionEvent" SET "eventsPublished" = 2;
