-- CreateTable
CREATE TABLE "LivenessLabel" (
    "eventId" TEXT NOT NULL PRIMARY KEY,
    "adminId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "LivenessLabel_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "RecognitionEvent" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
