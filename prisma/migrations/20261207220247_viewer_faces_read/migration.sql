-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Admin" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "email" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'viewer',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "totpEnabledAt" DATETIME,
    "totpLastStep" INTEGER,
    "totpPendingSecret" BLOB,
    "totpSecret" BLOB,
    "oidcIssuer" TEXT,
    "oidcSubject" TEXT,
    "facesRead" BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO "new_Admin" ("createdAt", "email", "id", "oidcIssuer", "oidcSubject", "passwordHash", "role", "totpEnabledAt", "totpLastStep", "totpPendingSecret", "totpSecret", "updatedAt") SELECT "createdAt", "email", "id", "oidcIssuer", "oidcSubject", "passwordHash", "role", "totpEnabledAt", "totpLastStep", "totpPendingSecret", "totpSecret", "updatedAt" FROM "Admin";
DROP TABLE "Admin";
ALTER TABLE "new_Admin" RENAME TO "Admin";
CREATE UNIQUE INDEX "Admin_email_key" ON "Admin"("email");
CREATE UNIQUE INDEX "Admin_oidcIssuer_oidcSubject_key" ON "Admin"("oidcIssuer", "oidcSubject");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- Accounts that exist before this migration keep seeing face images, as they did: an upgrade changes
-- nothing anyone sees. Accounts created from now on start without (least privilege).
UPDATE "Admin" SET "facesRead" = 1;
