/**
 * The engine's boundary: packages/jobs is generic over a catalog and knows nothing of
 * what vcq runs on it. It may use vcq's infrastructure packages (config, db, errors,
 * http, logger) and nothing else of vcq's: no domain package (credentials, verification,
 * webhooks, vc-events, egress) and not the composition (`@vcq/app`) that wires them.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ALLOWED = new Set(['@vcq/config', '@vcq/db', '@vcq/errors', '@vcq/http', '@vcq/logger']);

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []))));
  return nested.flat();
}

describe('the engine package', () => {
  it('when its sources are read, then they import no vcq package beyond config, db, errors, http and logger', async () => {
    const files = await sources(path.join(ROOT, 'src'));
    expect(files.length).toBeGreaterThan(5);
    const offending: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*['"](@vcq\/[^'"/]+)/g)) {
        if (!ALLOWED.has(spec as string)) offending.push(`${path.relative(ROOT, file)} imports ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('when its manifest is read, then it depends on no vcq package beyond those', async () => {
    const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const vcq = Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith('@vcq/'));
    expect(vcq.length).toBeGreaterThan(0);
    expect(vcq.filter((name) => !ALLOWED.has(name))).toEqual([]);
  });
});
