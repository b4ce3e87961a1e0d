-- AlterTable
ALTER TABLE "FaceSample" ADD COLUMN     "doorId" TEXT,
ADD COLUMN     "eventId" TEXT,
ADD COLUMN     "origin" TEXT NOT NULL DEFAULT 'enrolment';

-- AlterTable
ALTER TABLE "RecognitionEvent" ADD COLUMN     "learntSampleId" TEXT;

-- CreateIndex
CREATE INDEX "FaceSample_personId_origin_createdAt_idx" ON "FaceSample"("personId", "origin", "createdAt");
