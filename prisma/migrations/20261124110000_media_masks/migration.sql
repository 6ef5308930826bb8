-- CreateTable
CREATE TABLE "MediaMask" (
    "id" UUID NOT NULL,
    "mediaId" UUID NOT NULL,
    "jobId" UUID,
    "index" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "width" INTEGER NOT NULL,
    "counts" TEXT NOT NULL,
    "bboxX" DOUBLE PRECISION NOT NULL,
    "bboxY" DOUBLE PRECISION NOT NULL,
    "bboxW" DOUBLE PRECISION NOT NULL,
    "bboxH" DOUBLE PRECISION NOT NULL,
    "area" INTEGER NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MediaMask_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MediaMask_mediaId_index_idx" ON "MediaMask"("mediaId", "index");

-- AddForeignKey
ALTER TABLE "MediaMask" ADD CONSTRAINT "MediaMask_mediaId_fkey" FOREIGN KEY ("mediaId") REFERENCES "Media"("id") ON DELETE CASCADE ON UPDATE CASCADE;
