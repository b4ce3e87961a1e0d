-- CreateTable
CREATE TABLE "SettingChange" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "adminId" TEXT,
    "key" TEXT NOT NULL,
    "oldValue" TEXT,
    "newValue" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    CONSTRAINT "SettingChange_adminId_fkey" FOREIGN KEY ("adminId") REFERENCES "Admin" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_RecognitionEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "doorId" TEXT,
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
    CONSTRAINT "RecognitionEvent_doorId_fkey" FOREIGN KEY ("doorId") REFERENCES "Door" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "RecognitionEvent_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "RecognitionEvent_adminId_fkey" FOREIGN KEY ("adminId") REFERENCES "Admin" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "RecognitionEvent_claimedPersonId_fkey" FOREIGN KEY ("claimedPersonId") REFERENCES "Person" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "RecognitionEvent_decidedPersonId_fkey" FOREIGN KEY ("decidedPersonId") REFERENCES "Person" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_RecognitionEvent" ("adminId", "apiKeyId", "claimedLabel", "claimedPersonId", "createdAt", "decidedLabel", "decidedPersonId", "decision", "distance", "doorId", "id", "kind", "model", "reason", "threshold", "thumbnail") SELECT "adminId", "apiKeyId", "claimedLabel", "claimedPersonId", "createdAt", "decidedLabel", "decidedPersonId", "decision", "distance", "doorId", "id", "kind", "model", "reason", "threshold", "thumbnail" FROM "RecognitionEvent";
DROP TABLE "RecognitionEvent";
ALTER TABLE "new_RecognitionEvent" RENAME TO "RecognitionEvent";
CREATE INDEX "RecognitionEvent_createdAt_idx" ON "RecognitionEvent"("createdAt");
CREATE INDEX "RecognitionEvent_doorId_createdAt_idx" ON "RecognitionEvent"("doorId", "createdAt");
CREATE INDEX "RecognitionEvent_claimedPersonId_createdAt_idx" ON "RecognitionEvent"("claimedPersonId", "createdAt");
CREATE INDEX "RecognitionEvent_decidedPersonId_createdAt_idx" ON "RecognitionEvent"("decidedPersonId", "createdAt");
CREATE INDEX "RecognitionEvent_decision_createdAt_idx" ON "RecognitionEvent"("decision", "createdAt");
CREATE INDEX "RecognitionEvent_apiKeyId_idx" ON "RecognitionEvent"("apiKeyId");
CREATE INDEX "RecognitionEvent_adminId_idx" ON "RecognitionEvent"("adminId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "SettingChange_createdAt_idx" ON "SettingChange"("createdAt");
