/**
 * `pnpm client:generate`: writes packages/client/src/generated/openapi.ts from the
 * API's OpenAPI document (built from the route declarations, no server needed).
 */
import { writeFile } from 'node:fs/promises';
import { buildOpenApiDocument } from '../apps/api/src/openapi/document.js';
import { CLIENT_TYPES_FILE, generateClientTypes } from '../packages/client/src/generate.js';

await writeFile(CLIENT_TYPES_FILE, await generateClientTypes(buildOpenApiDocument()));
console.log(`wrote ${CLIENT_TYPES_FILE}`);
