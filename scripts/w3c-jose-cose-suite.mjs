#!/usr/bin/env node
/**
 * Runs the public W3C VC-JOSE-COSE test suite (w3c/vc-jose-cose-test-suite) against a
 * running vcq. It fetches nothing: the suite must already be on disk with its npm
 * dependencies installed (see README, "W3C VC-JOSE-COSE test suite").
 *
 * The suite drives each implementation as a command line in a Docker container
 * (`docker compose run <name> issue|verify --input … --key … --feature … --output …`,
 * one call per test). vcq is a service, not a command line, so this script lists vcq in
 * a localConfig.cjs in the suite's root and puts a `docker` of its own first on the
 * suite's PATH: that `docker` is this file (`--docker`), which answers each call by
 * sending the test's input to vcq's VC API (`POST /credentials/issue` with
 * `options.format: "vc+jwt"`, `POST /credentials/verify`) and writes the suite's result
 * file. vcq declares `credential_jose` only; it issues and verifies no presentations,
 * no SD-JWT and no COSE, so the suite skips those tests.
 *
 *   VCQ_URL=http://127.0.0.1:3000 VCQ_API_KEY=… node scripts/w3c-jose-cose-suite.mjs <suite-dir>
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const VC_CONTEXT_V2 = 'https://www.w3.org/ns/credentials/v2';
const ENVELOPE_PREFIX = 'data:application/vc+jwt,';

const url = (process.env.VCQ_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
const apiKey = process.env.VCQ_API_KEY;
const headers = { 'x-api-key': apiKey ?? '', 'content-type': 'application/json' };

if (process.argv[2] === '--docker') await answerSuiteCall(process.argv.slice(3));
else await runSuite(process.argv[2]);

/** Runs the suite's mocha with vcq as its one implementation and prints the counts. */
async function runSuite(suiteArg) {
  if (!apiKey || !suiteArg) {
    console.error('usage: VCQ_URL=<vcq> VCQ_API_KEY=<key> node scripts/w3c-jose-cose-suite.mjs <suite-dir>');
    process.exit(2);
  }
  const dir = resolve(suiteArg);
  for (const needed of [join('node_modules', '.bin', 'mocha'), join('node_modules', 'vc-test-suite-implementations'), join('tests', 'test-mapping.js')]) {
    if (!existsSync(join(dir, needed))) {
      console.error(`${dir}: no ${needed}; check the suite out and run npm install in it first`);
      process.exit(2);
    }
  }

  const created = await fetch(`${url}/api/dids`, { method: 'POST', headers: { ...headers, prefer: 'wait=20' }, body: JSON.stringify({ method: 'key' }) });
  const did = (await created.json())?.result?.did;
  if (typeof did !== 'string') {
    console.error(`could not create an issuer DID at ${url} (HTTP ${created.status})`);
    process.exit(1);
  }

  // The suite takes the implementations that have a `jose-cose` section and skips each
  // test whose feature is not true.
  const features = { credential_jose: true, credential_sdjwt: false, credential_cose: false, presentation_jose: false, presentation_sdjwt: false, presentation_cose: false };
  const implementation = { name: 'vcq', implementation: 'vcq', 'jose-cose': { features } };
  writeFileSync(join(dir, 'localConfig.cjs'), `module.exports = ${JSON.stringify({ implementations: [implementation] }, null, 2)};\n`);

  const bin = mkdtempSync(join(tmpdir(), 'vcq-jose-suite-'));
  const report = join(bin, 'report.json');
  try {
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\nexec "${process.execPath}" "${fileURLToPath(import.meta.url)}" --docker "$@"\n`);
    chmodSync(join(bin, 'docker'), 0o755);
    // The suite uses iterator helpers (Node 22); Node 20 has them behind a V8 flag,
    // which mocha hands to the node it starts (as it does --preserve-symlinks).
    const helpers = typeof Iterator === 'undefined' || typeof Iterator.prototype.map !== 'function' ? ['--v8-harmony-iterator-helpers'] : [];
    const args = ['tests/', '--reporter', 'json', '--reporter-option', `output=${report}`, '--timeout', '60000', '--preserve-symlinks', ...helpers];
    const run = spawnSync(join(dir, 'node_modules', '.bin', 'mocha'), args, {
      cwd: dir,
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, VCQ_URL: url, VCQ_JOSE_ISSUER: did, VCQ_JOSE_SUITE: dir },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (!existsSync(report)) {
      console.error(`${dir}: mocha did not report (exit ${run.status})\n${run.stderr}`);
      process.exit(1);
    }
    const { stats, tests, failures, pending } = JSON.parse(readFileSync(report, 'utf8'));
    console.log(`${dir}: ${stats.passes} passed, ${stats.failures} failed, ${stats.pending} pending (skipped: a feature vcq does not declare)`);
    const failed = new Set(failures.map((test) => test.fullTitle));
    const skipped = new Set(pending.map((test) => test.fullTitle));
    for (const test of tests) {
      if (skipped.has(test.fullTitle)) continue;
      const state = failed.has(test.fullTitle) ? '✗' : '✓';
      const number = Number.parseInt(test.title, 10);
      const output = join(dir, 'tests', 'output', `${number}-vcq.json`);
      const answer = existsSync(output) ? JSON.parse(readFileSync(output, 'utf8')) : {};
      console.log(`  ${state} ${test.title}: ${answer.result ?? 'no result'}${answer.vcq ? ` (vcq: ${answer.vcq})` : ''}`);
    }
    process.exit(stats.failures > 0 ? 1 : 0);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

/**
 * One `docker compose -f … run --rm vcq <issue|verify> --input /tests/input/<file>
 * --key /tests/input/<file> --feature <feature> --output /tests/output/<file>` call of
 * the suite, answered with vcq. `/tests` is the suite's tests directory (the
 * containers mount it there). The result file is `{result, data}` as the suite reads
 * it, plus `vcq`: what vcq answered, for the report.
 */
async function answerSuiteCall(args) {
  const runAt = args.indexOf('run');
  const rest = args.slice(runAt + 1).filter((arg) => arg !== '--rm');
  const [, fn, ...flags] = rest;
  const flag = (name) => {
    const at = flags.indexOf(`--${name}`);
    return at === -1 ? undefined : flags[at + 1];
  };
  const suiteDir = process.env.VCQ_JOSE_SUITE;
  const local = (path) => join(suiteDir, path.replace(/^\/tests\//, 'tests/'));
  const outputPath = flag('output');
  if (!suiteDir || runAt === -1 || !outputPath || !flag('input')) {
    console.error(`vcq's docker stand-in cannot answer: docker ${args.join(' ')}`);
    process.exit(2);
  }
  const input = readFileSync(local(flag('input')), 'utf8');
  let answer;
  try {
    answer = fn === 'issue' ? await issue(JSON.parse(input)) : fn === 'verify' ? await verify(input.trim()) : { result: 'error', vcq: `no ${fn} command` };
  } catch (error) {
    answer = { result: 'error', vcq: String(error?.message ?? error) };
  }
  writeFileSync(local(outputPath), `${JSON.stringify(answer, null, 2)}\n`);
}

/** The reason a vcq answer gives: the problem type and detail, or the HTTP status. */
async function reasonOf(response) {
  const body = await response.json().catch(() => null);
  const problem = body?.problemDetails?.[0] ?? body;
  const fields = Array.isArray(body?.errors) ? ` [${body.errors.map((e) => e.field).join(', ')}]` : '';
  return `HTTP ${response.status} ${problem?.type ?? ''} ${problem?.detail ?? ''}${fields}`.replace(/\s+/g, ' ').trim();
}

/**
 * Issues the suite's unsigned credential as vc+jwt. vcq signs only as DIDs it holds the
 * keys of, so the credential's issuer is vcq's did:key (the suite's key file, a private
 * key for its example issuer, is not given to vcq). vcq's VC API takes `credential.id`
 * as the credential's identity (the same id again answers with the same credential, a
 * different credential under it is a 409), and the suite issues different credentials
 * under one id, so each gets an id of its own. Success is a 201 whose envelope holds a
 * JWT typed vc+jwt that vcq's own verifier accepts.
 */
async function issue(credential) {
  const issuer = process.env.VCQ_JOSE_ISSUER;
  const asVcq = { ...credential, ...(Object.hasOwn(credential, 'id') ? { id: `urn:uuid:${randomUUID()}` } : {}), issuer: typeof credential.issuer === 'object' && credential.issuer !== null ? { ...credential.issuer, id: issuer } : issuer };
  const issued = await fetch(`${url}/credentials/issue`, { method: 'POST', headers, body: JSON.stringify({ credential: asVcq, options: { format: 'vc+jwt' } }) });
  if (issued.status >= 400 && issued.status < 500) return { result: 'failure', vcq: await reasonOf(issued) };
  if (issued.status !== 201) return { result: 'error', vcq: await reasonOf(issued) };
  const { verifiableCredential } = await issued.json();
  const id = verifiableCredential?.id;
  if (verifiableCredential?.type !== 'EnvelopedVerifiableCredential' || typeof id !== 'string' || !id.startsWith(ENVELOPE_PREFIX)) {
    return { result: 'failure', vcq: 'the answer is not an EnvelopedVerifiableCredential holding application/vc+jwt' };
  }
  const jwt = id.slice(ENVELOPE_PREFIX.length);
  const header = JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8'));
  if (header.typ !== 'vc+jwt') return { result: 'failure', data: jwt, vcq: `issued with typ ${header.typ}` };
  const checked = await fetch(`${url}/credentials/verify`, { method: 'POST', headers, body: JSON.stringify({ verifiableCredential }) });
  if (checked.status !== 200) return { result: 'failure', data: jwt, vcq: `issued, but vcq does not verify it: ${await reasonOf(checked)}` };
  return { result: 'success', data: jwt, vcq: `HTTP 201, ${header.alg} typ ${header.typ} kid ${header.kid}; verifies` };
}

/**
 * Verifies the suite's input: a compact JWS goes to vcq as the EnvelopedVerifiableCredential
 * of media type application/vc+jwt; anything else (an unsecured credential) as it is.
 */
async function verify(input) {
  let verifiableCredential;
  try {
    verifiableCredential = JSON.parse(input);
  } catch {
    verifiableCredential = { '@context': [VC_CONTEXT_V2], id: `${ENVELOPE_PREFIX}${input}`, type: 'EnvelopedVerifiableCredential' };
  }
  const checked = await fetch(`${url}/credentials/verify`, { method: 'POST', headers, body: JSON.stringify({ verifiableCredential }) });
  if (checked.status === 200) return { result: 'success', vcq: 'HTTP 200 verified' };
  if (checked.status >= 400 && checked.status < 500) return { result: 'failure', vcq: await reasonOf(checked) };
  return { result: 'error', vcq: await reasonOf(checked) };
}
