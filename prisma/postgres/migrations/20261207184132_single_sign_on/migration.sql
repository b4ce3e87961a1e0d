-- AlterTable
ALTER TABLE "Admin" ADD COLUMN     "oidcIssuer" TEXT,
ADD COLUMN     "oidcSubject" TEXT;

-- AlterTable
ALTER TABLE "AdminSession" ADD COLUMN     "providerCheckedAt" TIMESTAMP(3),
ADD COLUMN     "providerRefreshToken" BYTEA,
ADD COLUMN     "singleSignOn" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "SingleSignOnRequest" (
    "id" TEXT NOT NULL,
    "stateHash" TEXT NOT NULL,
    "nonce" TEXT NOT NULL,
    "codeVerifier" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SingleSignOnRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SingleSignOnRequest_stateHash_key" ON "SingleSignOnRequest"("stateHash");

-- CreateIndex
CREATE UNIQUE INDEX "Admin_oidcIssuer_oidcSubject_key" ON "Admin"("oidcIssuer", "oidcSubject");
