-- AlterTable
ALTER TABLE "RecognitionEvent" ADD COLUMN     "frames" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "framesUsed" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "rivalDistance" DOUBLE PRECISION,
ADD COLUMN     "rivalLabel" TEXT,
ADD COLUMN     "rivalPersonId" TEXT;

-- CreateTable
CREATE TABLE "SettingChange" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "adminId" TEXT,
    "key" TEXT NOT NULL,
    "oldValue" TEXT,
    "newValue" TEXT NOT NULL,
    "model" TEXT NOT NULL,

    CONSTRAINT "SettingChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SettingChange_createdAt_idx" ON "SettingChange"("createdAt");

-- AddForeignKey
ALTER TABLE "SettingChange" ADD CONSTRAINT "SettingChange_adminId_fkey" FOREIGN KEY ("adminId") REFERENCES "Admin"("id") ON DELETE SET NULL ON UPDATE CASCADE;
