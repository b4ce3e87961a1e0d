-- AlterTable
ALTER TABLE "RecognitionEvent" ADD COLUMN "livenessScore" REAL;
