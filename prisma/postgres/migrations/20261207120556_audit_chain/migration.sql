-- DropForeignKey
ALTER TABLE "RecognitionEvent" DROP CONSTRAINT "RecognitionEvent_doorId_fkey";

-- DropForeignKey
ALTER TABLE "RecognitionEvent" DROP CONSTRAINT "RecognitionEvent_apiKeyId_fkey";

-- DropForeignKey
ALTER TABLE "RecognitionEvent" DROP CONSTRAINT "RecognitionEvent_adminId_fkey";

-- AlterTable
ALTER TABLE "RecognitionEvent" ADD COLUMN     "claimedSalt" TEXT,
ADD COLUMN     "decidedSalt" TEXT,
ADD COLUMN     "doorLabel" TEXT,
ADD COLUMN     "personalHashes" TEXT,
ADD COLUMN     "rivalSalt" TEXT,
ADD COLUMN     "stepUpSalt" TEXT;

-- CreateTable
CREATE TABLE "AuditLink" (
    "seq" INTEGER NOT NULL,
    "eventId" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditLink_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "AuditLink_eventId_idx" ON "AuditLink"("eventId");

-- Events from before keep the name their door has now (written by hand).
UPDATE "RecognitionEvent" SET "doorLabel" = (SELECT "name" FROM "Door" WHERE "Door"."id" = "RecognitionEvent"."doorId") WHERE "doorId" IS NOT NULL;
