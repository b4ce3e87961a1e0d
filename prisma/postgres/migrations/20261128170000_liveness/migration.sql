-- AlterTable
ALTER TABLE "RecognitionEvent" ADD COLUMN     "livenessScore" DOUBLE PRECISION;
