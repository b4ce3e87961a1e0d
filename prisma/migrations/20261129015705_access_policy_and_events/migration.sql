-- AlterTable
ALTER TABLE "Person" ADD COLUMN "pinHash" TEXT;

-- CreateTable
CREATE TABLE "AccessGroup" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "GroupMember" (
    "groupId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("groupId", "personId"),
    CONSTRAINT "GroupMember_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "AccessGroup" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "GroupMember_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "GroupDoor" (
    "groupId" TEXT NOT NULL,
    "doorId" TEXT NOT NULL,
    "scheduleId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("groupId", "doorId"),
    CONSTRAINT "GroupDoor_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "AccessGroup" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "GroupDoor_doorId_fkey" FOREIGN KEY ("doorId") REFERENCES "Door" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "GroupDoor_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Schedule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "windows" TEXT NOT NULL DEFAULT '[]',
    "exceptions" TEXT NOT NULL DEFAULT '[]',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "VisitorPass" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "personId" TEXT NOT NULL,
    "validFrom" DATETIME NOT NULL,
    "validUntil" DATETIME NOT NULL,
    "doorIds" TEXT NOT NULL DEFAULT '[]',
    "revokedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "VisitorPass_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Webhook" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "secret" BLOB NOT NULL,
    "decisions" TEXT NOT NULL DEFAULT '[]',
    "doorIds" TEXT NOT NULL DEFAULT '[]',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "webhookId" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastStatus" INTEGER,
    "lastError" TEXT,
    "deliveredAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WebhookDelivery_webhookId_fkey" FOREIGN KEY ("webhookId") REFERENCES "Webhook" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "OutboxMessage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "eventId" TEXT,
    "topic" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "retain" BOOLEAN NOT NULL DEFAULT false,
    "attempts" INTEGER NOT NULL DEFAULT 0
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Door" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "location" TEXT,
    "timeZone" TEXT NOT NULL DEFAULT 'UTC',
    "access" TEXT NOT NULL DEFAULT 'everyone',
    "settings" TEXT NOT NULL DEFAULT '{}',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Door" ("createdAt", "id", "location", "name", "updatedAt") SELECT "createdAt", "id", "location", "name", "updatedAt" FROM "Door";
DROP TABLE "Door";
ALTER TABLE "new_Door" RENAME TO "Door";
CREATE UNIQUE INDEX "Door_name_key" ON "Door"("name");
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
    "livenessScore" REAL,
    "stepUpReason" TEXT,
    "stepUpPersonId" TEXT,
    "pinTries" INTEGER NOT NULL DEFAULT 0,
    "completedAt" DATETIME,
    CONSTRAINT "RecognitionEvent_doorId_fkey" FOREIGN KEY ("doorId") REFERENCES "Door" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "RecognitionEvent_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "RecognitionEvent_adminId_fkey" FOREIGN KEY ("adminId") REFERENCES "Admin" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "RecognitionEvent_claimedPersonId_fkey" FOREIGN KEY ("claimedPersonId") REFERENCES "Person" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "RecognitionEvent_decidedPersonId_fkey" FOREIGN KEY ("decidedPersonId") REFERENCES "Person" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "RecognitionEvent_stepUpPersonId_fkey" FOREIGN KEY ("stepUpPersonId") REFERENCES "Person" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_RecognitionEvent" ("adminId", "apiKeyId", "claimedLabel", "claimedPersonId", "createdAt", "decidedLabel", "decidedPersonId", "decision", "distance", "doorId", "frames", "framesUsed", "id", "kind", "livenessScore", "model", "reason", "rivalDistance", "rivalLabel", "rivalPersonId", "threshold", "thumbnail") SELECT "adminId", "apiKeyId", "claimedLabel", "claimedPersonId", "createdAt", "decidedLabel", "decidedPersonId", "decision", "distance", "doorId", "frames", "framesUsed", "id", "kind", "livenessScore", "model", "reason", "rivalDistance", "rivalLabel", "rivalPersonId", "threshold", "thumbnail" FROM "RecognitionEvent";
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
CREATE UNIQUE INDEX "AccessGroup_name_key" ON "AccessGroup"("name");

-- CreateIndex
CREATE INDEX "GroupMember_personId_idx" ON "GroupMember"("personId");

-- CreateIndex
CREATE INDEX "GroupDoor_doorId_idx" ON "GroupDoor"("doorId");

-- CreateIndex
CREATE INDEX "GroupDoor_scheduleId_idx" ON "GroupDoor"("scheduleId");

-- CreateIndex
CREATE UNIQUE INDEX "Schedule_name_key" ON "Schedule"("name");

-- CreateIndex
CREATE INDEX "VisitorPass_personId_idx" ON "VisitorPass"("personId");

-- CreateIndex
CREATE INDEX "WebhookDelivery_status_nextAttemptAt_idx" ON "WebhookDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_webhookId_createdAt_idx" ON "WebhookDelivery"("webhookId", "createdAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_eventId_idx" ON "WebhookDelivery"("eventId");

-- CreateIndex
CREATE INDEX "OutboxMessage_createdAt_idx" ON "OutboxMessage"("createdAt");

-- CreateIndex
CREATE INDEX "OutboxMessage_eventId_idx" ON "OutboxMessage"("eventId");
