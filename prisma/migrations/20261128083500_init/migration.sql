-- CreateTable
CREATE TABLE "Person" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "cardId" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "notes" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "FaceSample" (
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
    CONSTRAINT "FaceSample_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Door" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "location" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "scopes" TEXT NOT NULL DEFAULT '[]',
    "doorId" TEXT,
    "revokedAt" DATETIME,
    "lastUsedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ApiKey_doorId_fkey" FOREIGN KEY ("doorId") REFERENCES "Door" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Admin" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "email" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'viewer',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Setting" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "RecognitionEvent" (
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

-- CreateIndex
CREATE UNIQUE INDEX "Person_cardId_key" ON "Person"("cardId");

-- CreateIndex
CREATE INDEX "Person_name_idx" ON "Person"("name");

-- CreateIndex
CREATE INDEX "FaceSample_personId_idx" ON "FaceSample"("personId");

-- CreateIndex
CREATE INDEX "FaceSample_model_idx" ON "FaceSample"("model");

-- CreateIndex
CREATE UNIQUE INDEX "Door_name_key" ON "Door"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");

-- CreateIndex
CREATE INDEX "ApiKey_doorId_idx" ON "ApiKey"("doorId");

-- CreateIndex
CREATE UNIQUE INDEX "Admin_email_key" ON "Admin"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Setting_key_key" ON "Setting"("key");

-- CreateIndex
CREATE INDEX "RecognitionEvent_createdAt_idx" ON "RecognitionEvent"("createdAt");

-- CreateIndex
CREATE INDEX "RecognitionEvent_doorId_createdAt_idx" ON "RecognitionEvent"("doorId", "createdAt");

-- CreateIndex
CREATE INDEX "RecognitionEvent_claimedPersonId_createdAt_idx" ON "RecognitionEvent"("claimedPersonId", "createdAt");

-- CreateIndex
CREATE INDEX "RecognitionEvent_decidedPersonId_createdAt_idx" ON "RecognitionEvent"("decidedPersonId", "createdAt");

-- CreateIndex
CREATE INDEX "RecognitionEvent_decision_createdAt_idx" ON "RecognitionEvent"("decision", "createdAt");

-- CreateIndex
CREATE INDEX "RecognitionEvent_apiKeyId_idx" ON "RecognitionEvent"("apiKeyId");

-- CreateIndex
CREATE INDEX "RecognitionEvent_adminId_idx" ON "RecognitionEvent"("adminId");
