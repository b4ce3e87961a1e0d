-- CreateTable
CREATE TABLE "AuditLink" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "eventId" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_RecognitionEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "doorId" TEXT,
    "doorLabel" TEXT,
    "apiKeyId" TEXT,
    "adminId" TEXT,
    "claimedPersonId" TEXT,
    "claimedLabel" TEXT,
    "decidedPersonId" TEXT,
    "decidedLabel" TEXT,
    "distance" REAL,
    "threshold" REAL NOT NULL,
    "rivalPersonId" TEXT,
    "rivalLabel" TEXT,
    "rivalDistance" REAL,
    "frames" INTEGER NOT NULL DEFAULT 1,
    "framesUsed" INTEGER NOT NULL DEFAULT 1,
    "model" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "thumbnail" BLOB,
    "livenessScore" REAL,
    "stepUpReason" TEXT,
    "stepUpPersonId" TEXT,
    "pinTries" INTEGER NOT NULL DEFAULT 0,
    "completedAt" DATETIME,
    "eventsPublished" INTEGER NOT NULL DEFAULT 0,
    "photoFaces" TEXT,
    "personalHashes" TEXT,
    "claimedSalt" TEXT,
    "decidedSalt" TEXT,
    "rivalSalt" TEXT,
    "stepUpSalt" TEXT,
    CONSTRAINT "RecognitionEvent_claimedPersonId_fkey" FOREIGN KEY ("claimedPersonId") REFERENCES "Person" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "RecognitionEvent_decidedPersonId_fkey" FOREIGN KEY ("decidedPersonId") REFERENCES "Person" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "RecognitionEvent_stepUpPersonId_fkey" FOREIGN KEY ("stepUpPersonId") REFERENCES "Person" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_RecognitionEvent" ("adminId", "apiKeyId", "claimedLabel", "claimedPersonId", "completedAt", "createdAt", "decidedLabel", "decidedPersonId", "decision", "distance", "doorId", "eventsPublished", "frames", "framesUsed", "id", "kind", "livenessScore", "model", "photoFaces", "pinTries", "reason", "rivalDistance", "rivalLabel", "rivalPersonId", "stepUpPersonId", "stepUpReason", "threshold", "thumbnail") SELECT "adminId", "apiKeyId", "claimedLabel", "claimedPersonId", "completedAt", "createdAt", "decidedLabel", "decidedPersonId", "decision", "distance", "doorId", "eventsPublished", "frames", "framesUsed", "id", "kind", "livenessScore", "model", "photoFaces", "pinTries", "reason", "rivalDistance", "rivalLabel", "rivalPersonId", "stepUpPersonId", "stepUpReason", "threshold", "thumbnail" FROM "RecognitionEvent";
DROP TABLE "RecognitionEvent";
ALTER TABLE "new_RecognitionEvent" RENAME TO "RecognitionEvent";
CREATE INDEX "RecognitionEvent_createdAt_idx" ON "RecognitionEvent"("createdAt");
CREATE INDEX "RecognitionEvent_doorId_createdAt_idx" ON "RecognitionEvent"("doorId", "createdAt");
CREATE INDEX "RecognitionEvent_claimedPersonId_createdAt_idx" ON "RecognitionEvent"("claimedPersonId", "createdAt");
CREATE INDEX "RecognitionEvent_decidedPersonId_createdAt_idx" ON "RecognitionEvent"("decidedPersonId", "createdAt");
CREATE INDEX "RecognitionEvent_decision_createdAt_idx" ON "RecognitionEvent"("decision", "createdAt");
CREATE INDEX "RecognitionEvent_apiKeyId_idx" ON "RecognitionEvent"("apiKeyId");
CREATE INDEX "RecognitionEvent_adminId_idx" ON "RecognitionEvent"("adminId");
CREATE INDEX "RecognitionEvent_stepUpPersonId_idx" ON "RecognitionEvent"("stepUpPersonId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "AuditLink_eventId_idx" ON "AuditLink"("eventId");

-- Events from before keep the name their door has now (written by hand).
UPDATE "RecognitionEvent" SET "doorLabel" = (SELECT "name" FROM "Door" WHERE "Door"."id" = "RecognitionEvent"."doorId") WHERE "doorId" IS NOT NULL;
