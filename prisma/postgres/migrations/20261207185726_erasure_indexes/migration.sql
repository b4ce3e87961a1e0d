-- CreateIndex
CREATE INDEX "RecognitionEvent_rivalPersonId_idx" ON "RecognitionEvent"("rivalPersonId");

-- CreateIndex
CREATE INDEX "RecognitionEvent_claimedLabel_claimedPersonId_idx" ON "RecognitionEvent"("claimedLabel", "claimedPersonId");
