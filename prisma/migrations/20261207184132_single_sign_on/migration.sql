-- AlterTable
ALTER TABLE "Admin" ADD COLUMN "oidcIssuer" TEXT;
ALTER TABLE "Admin" ADD COLUMN "oidcSubject" TEXT;

-- CreateTable
CREATE TABLE "SingleSignOnRequest" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "stateHash" TEXT NOT NULL,
    "nonce" TEXT NOT NULL,
    "codeVerifier" BLOB NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_AdminSession" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "adminId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "revokedAt" DATETIME,
    "address" TEXT,
    "secondFactor" TEXT,
    "singleSignOn" BOOLEAN NOT NULL DEFAULT false,
    "providerRefreshToken" BLOB,
    "providerCheckedAt" DATETIME,
    CONSTRAINT "AdminSession_adminId_fkey" FOREIGN KEY ("adminId") REFERENCES "Admin" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_AdminSession" ("address", "adminId", "createdAt", "expiresAt", "id", "revokedAt", "secondFactor") SELECT "address", "adminId", "createdAt", "expiresAt", "id", "revokedAt", "secondFactor" FROM "AdminSession";
DROP TABLE "AdminSession";
ALTER TABLE "new_AdminSession" RENAME TO "AdminSession";
CREATE INDEX "AdminSession_adminId_idx" ON "AdminSession"("adminId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "SingleSignOnRequest_stateHash_key" ON "SingleSignOnRequest"("stateHash");

-- CreateIndex
CREATE UNIQUE INDEX "Admin_oidcIssuer_oidcSubject_key" ON "Admin"("oidcIssuer", "oidcSubject");
