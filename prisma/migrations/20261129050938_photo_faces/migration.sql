-- AlterTable (plain ADD COLUMNs at the table's end, in the schema's order: no rebuild)
ALTER TABLE "FaceSample" ADD COLUMN "yawDeg" REAL;
ALTER TABLE "FaceSample" ADD COLUMN "pitchDeg" REAL;
ALTER TABLE "FaceSample" ADD COLUMN "original" BLOB;
ALTER TABLE "FaceSample" ADD COLUMN "photoFaces" TEXT;

-- AlterTable
ALTER TABLE "RecognitionEvent" ADD COLUMN "photoFaces" TEXT;
