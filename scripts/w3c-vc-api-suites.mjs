#!/usr/bin/env node
/**
 * Runs the public W3C CCG VC API issuer and verifier test suites (and the W3C EdDSA
 * Data Integrity suite, given its directory) against a running vcq. It fetches nothing: the suites must already be on disk with their npm
 * dependencies installed (see README, "W3C VC API test suites"). It creates one
 * did:key issuer in vcq, points each suite at vcq through a localConfig.cjs in the
 * suite's root, runs mocha and prints the pass and fail counts.
 *
 *   VCQ_URL=http://127.0.0.1:3000 VCQ_API_KEY=… [ISSUER_FORMAT=di-eddsa-jcs-2022] node scripts/w3c-vc-api-suites.mjs <issuer-suite-dir> <verifier-suite-dir>
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const url = (process.env.VCQ_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
const apiKey = process.env.VCQ_API_KEY;
const suites = process.argv.slice(2).map((dir) => resolve(dir));
if (!apiKey || suites.length === 0) {
  console.error('usage: VCQ_URL=<vcq> VCQ_API_KEY=<key> node scripts/w3c-vc-api-suites.mjs <suite-dir>...');
  process.exit(2);
}
for (const dir of suites) {
  if (!existsSync(join(dir, 'node_modules', '.bin', 'mocha'))) {
    console.error(`${dir}: no node_modules/.bin/mocha; run npm install in the suite first`);
    process.exit(2);
  }
}

const headers = { 'x-api-key': apiKey, 'content-type': 'application/json' };
const created = await fetch(`${url}/api/dids`, { method: 'POST', headers: { ...headers, prefer: 'wait=20' }, body: JSON.stringify({ method: 'key' }) });
const did = (await created.json())?.result?.did;
if (typeof did !== 'string') {
  console.error(`could not create an issuer DID at ${url} (HTTP ${created.status})`);
  process.exit(1);
}

// The suites pick endpoints by tag: the first `vc-api` issuer for the VC API tests,
// the one tagged `vc-api` and `JWT` for the VC-JWT ones (which also issue their
// credential through the implementation named by ISSUER_NAME_JWT), and the EdDSA
// Data Integrity suite (w3c/vc-di-eddsa-test-suite) the ones tagged with a
// cryptosuite. Each issuer's `options` go with every request it is sent: the Data
// Integrity issuers ask for their format (vcq's VC API issues a JWT when no format is
// named), the JWT one for nothing. ISSUER_FORMAT picks the cryptosuite of the first.
const diFormat = process.env.ISSUER_FORMAT ?? 'di-eddsa-rdfc-2022';
const otherFormat = diFormat === 'di-eddsa-rdfc-2022' ? 'di-eddsa-jcs-2022' : 'di-eddsa-rdfc-2022';
const issuer = (tags, options) => ({ id: did, endpoint: `${url}/credentials/issue`, headers: { 'x-api-key': apiKey }, tags, options });
const suiteOf = (format) => format.slice('di-'.length);
const implementation = {
  name: 'vcq',
  implementation: 'vcq',
  issuers: [
    issuer(['vc-api', suiteOf(diFormat)], { format: diFormat }),
    issuer([suiteOf(otherFormat)], { format: otherFormat }),
    issuer(['vc-api', 'JWT'], {}),
  ],
  verifiers: [
    { id: `${url}/credentials/verify`, endpoint: `${url}/credentials/verify`, headers: { 'x-api-key': apiKey }, tags: ['vc-api', 'JWT', 'eddsa-rdfc-2022', 'eddsa-jcs-2022'] },
  ],
};

let failed = 0;
for (const dir of suites) {
  writeFileSync(join(dir, 'localConfig.cjs'), `module.exports = ${JSON.stringify({ implementations: [implementation] }, null, 2)};\n`);
  const run = spawnSync(join(dir, 'node_modules', '.bin', 'mocha'), ['tests/', '--reporter', 'json', '--timeout', '15000', '--preserve-symlinks'], {
    cwd: dir,
    env: { ...process.env, ISSUER_NAME: 'vcq', ISSUER_NAME_JWT: 'vcq', ISSUER_NAME_JCS: 'vcq' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const json = run.stdout.slice(run.stdout.indexOf('{'));
  let report;
  try {
    report = JSON.parse(json);
  } catch {
    console.error(`${dir}: mocha did not report (exit ${run.status})\n${run.stderr}`);
    process.exit(1);
  }
  const { passes, failures, pending } = report.stats;
  failed += failures;
  console.log(`${dir}: ${passes} passed, ${failures} failed, ${pending} pending`);
  for (const test of report.failures) console.log(`  ✗ ${test.fullTitle}: ${String(test.err?.message ?? '').split('\n')[0].slice(0, 160)}`);
}
process.exit(failed > 0 ? 1 : 0);
