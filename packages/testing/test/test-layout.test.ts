/**
 * The test layout's one rule: an app's tests import that app only, and packages/testing
 * imports no app; what needs both apps lives in tests/e2e.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const APPS = ['api', 'worker'] as const;
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;

async function tsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(ROOT, dir), { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') files.push(...(await tsFiles(child)));
    else if (entry.isFile() && entry.name.endsWith('.ts')) files.push(child);
  }
  return files;
}

/** The apps a file imports, by relative path or by package name. */
async function appsImported(file: string): Promise<string[]> {
  const text = await readFile(path.join(ROOT, file), 'utf8');
  const apps = new Set<string>();
  for (const [, specifier = ''] of text.matchAll(SPECIFIER)) {
    const target = specifier.startsWith('.') ? path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), specifier)) : specifier;
    const app = target.match(/^apps[/\\](api|worker)(?:[/\\]|$)/)?.[1] ?? target.match(/^@vcq\/(api|worker)(?:\/|$)/)?.[1];
    if (app) apps.add(app);
  }
  return [...apps];
}

describe('test layout', () => {
  for (const app of APPS) {
    it(`when apps/${app}/test is read, then it imports no other app`, async () => {
      const files = await tsFiles(`apps/${app}/test`);
      expect(files.length).toBeGreaterThan(0);
      const crossing = [];
      for (const file of files) {
        const others = (await appsImported(file)).filter((imported) => imported !== app);
        if (others.length > 0) crossing.push(`${file} -> ${others.join(', ')}`);
      }
      expect(crossing).toEqual([]);
    });
  }

  it('when packages/testing is read, then it imports no app', async () => {
    const files = [...(await tsFiles('packages/testing/src')), ...(await tsFiles('packages/testing/test'))];
    const crossing = [];
    for (const file of files) {
      const apps = await appsImported(file);
      if (apps.length > 0) crossing.push(`${file} -> ${apps.join(', ')}`);
    }
    expect(crossing).toEqual([]);
  });

  it('when tests/e2e is read, then the same check finds both apps imported there', async () => {
    // The check itself must be able to fail: the e2e tests import both apps.
    const found = new Set<string>();
    for (const file of await tsFiles('tests/e2e')) for (const app of await appsImported(file)) found.add(app);
    expect([...found].sort()).toEqual(['api', 'worker']);
  });
});

describe('the Dockerfile', () => {
  it('when it is read, then it copies the manifest of every workspace package before installing', async () => {
    const dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
    const workspaces: string[] = [];
    for (const parent of ['apps', 'packages', 'tests']) {
      const entries = await readdir(path.join(ROOT, parent), { withFileTypes: true });
      for (const e of entries) {
        const manifest = path.join(parent, e.name, 'package.json');
        if (e.isDirectory() && (await readFile(path.join(ROOT, manifest)).catch(() => null))) workspaces.push(manifest);
      }
    }
    expect(workspaces.length).toBeGreaterThan(10);
    const missing = workspaces.filter((m) => !dockerfile.includes(`COPY ${m} ${path.dirname(m)}/`));
    expect(missing).toEqual([]);
  });
});
