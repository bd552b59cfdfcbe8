#!/usr/bin/env node
// Runs `prisma generate` without Prisma's engine binaries. vcq's client uses the pg
// driver adapter, so no query engine is needed at run time, and generation does not
// use the schema engine; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file
// keeps the CLI from trying to download one (which fails on machines without internet).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE ??= '1';
const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');
const run = spawnSync(process.execPath, [cli, 'generate', ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(run.status ?? 1);
