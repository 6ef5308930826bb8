#!/bin/sh
# Stand-in for Prisma's native schema engine: `prisma generate` never calls it. See generate.mjs.
echo "maskql: the Prisma schema engine is not installed; migrations are applied by src/db/migrate.ts" >&2
exit 1
