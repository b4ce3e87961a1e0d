-- AlterTable
ALTER TABLE "FaceSample" ADD COLUMN     "yawDeg" DOUBLE PRECISION,
ADD COLUMN     "pitchDeg" DOUBLE PRECISION,
ADD COLUMN     "original" BYTEA,
ADD COLUMN     "photoFaces" TEXT;

-- AlterTable
ALTER TABLE "RecognitionEvent" ADD COLUMN     "photoFaces" TEXT;
