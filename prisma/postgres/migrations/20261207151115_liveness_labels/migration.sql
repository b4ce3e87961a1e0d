-- CreateTable
CREATE TABLE "LivenessLabel" (
    "eventId" TEXT NOT NULL,
    "adminId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LivenessLabel_pkey" PRIMARY KEY ("eventId")
);

-- AddForeignKey
ALTER TABLE "LivenessLabel" ADD CONSTRAINT "LivenessLabel_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "RecognitionEvent"("id") ON DELETE CASCADE ON UPDATE CASCADE;
