-- AlterTable
ALTER TABLE "RecognitionEvent" ADD COLUMN "learntSampleId" TEXT;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_FaceSample" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "personId" TEXT NOT NULL,
    "encoding" BLOB NOT NULL,
    "model" TEXT NOT NULL,
    "thumbnail" BLOB NOT NULL,
    "detectionScore" REAL NOT NULL,
    "eyeDistancePx" REAL NOT NULL,
    "sharpness" REAL NOT NULL,
    "brightness" REAL NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "yawDeg" REAL,
    "pitchDeg" REAL,
    "original" BLOB,
    "photoFaces" TEXT,
    "origin" TEXT NOT NULL DEFAULT 'enrolment',
    "doorId" TEXT,
    "eventId" TEXT,
    CONSTRAINT "FaceSample_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_FaceSample" ("brightness", "createdAt", "detectionScore", "encoding", "eyeDistancePx", "id", "model", "original", "personId", "photoFaces", "pitchDeg", "sharpness", "thumbnail", "updatedAt", "yawDeg") SELECT "brightness", "createdAt", "detectionScore", "encoding", "eyeDistancePx", "id", "model", "original", "personId", "photoFaces", "pitchDeg", "sharpness", "thumbnail", "updatedAt", "yawDeg" FROM "FaceSample";
DROP TABLE "FaceSample";
ALTER TABLE "new_FaceSample" RENAME TO "FaceSample";
CREATE INDEX "FaceSample_personId_idx" ON "FaceSample"("personId");
CREATE INDEX "FaceSample_model_idx" ON "FaceSample"("model");
CREATE INDEX "FaceSample_personId_origin_createdAt_idx" ON "FaceSample"("personId", "origin", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
