-- CreateTable
CREATE TABLE "SampleEncoding" (
    "sampleId" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "encoding" BLOB NOT NULL,
    "source" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("sampleId", "model"),
    CONSTRAINT "SampleEncoding_sampleId_fkey" FOREIGN KEY ("sampleId") REFERENCES "FaceSample" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ModelHead" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "modelId" TEXT NOT NULL,
    "encoderModelId" TEXT NOT NULL,
    "artefact" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ModelChange" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "adminId" TEXT,
    "fromModel" TEXT NOT NULL,
    "toModel" TEXT NOT NULL,
    "headId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'running',
    "total" INTEGER NOT NULL DEFAULT 0,
    "done" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "claimedBy" TEXT,
    "claimedUntil" DATETIME,
    "finishedAt" DATETIME
);

-- CreateTable
CREATE TABLE "TrainingRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "adminId" TEXT,
    "source" TEXT NOT NULL,
    "dir" TEXT,
    "status" TEXT NOT NULL DEFAULT 'running',
    "identities" INTEGER NOT NULL DEFAULT 0,
    "photos" INTEGER NOT NULL DEFAULT 0,
    "curve" TEXT NOT NULL DEFAULT '[]',
    "errorCode" TEXT,
    "error" TEXT,
    "headId" TEXT,
    "claimedBy" TEXT,
    "claimedUntil" DATETIME,
    "finishedAt" DATETIME
);

-- CreateIndex
CREATE INDEX "SampleEncoding_model_idx" ON "SampleEncoding"("model");

-- CreateIndex
CREATE UNIQUE INDEX "ModelHead_modelId_key" ON "ModelHead"("modelId");

-- CreateIndex
CREATE INDEX "ModelChange_status_idx" ON "ModelChange"("status");

-- CreateIndex
CREATE INDEX "TrainingRun_createdAt_idx" ON "TrainingRun"("createdAt");
