-- AlterTable
ALTER TABLE "Admin" ADD COLUMN     "facesRead" BOOLEAN NOT NULL DEFAULT false;

-- Accounts that exist before this migration keep seeing face images, as they did: an upgrade changes
-- nothing anyone sees. Accounts created from now on start without (least privilege).
UPDATE "Admin" SET "facesRead" = true;
