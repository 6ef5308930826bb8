-- AlterTable
ALTER TABLE "Job" ADD COLUMN "errorReason" TEXT;
