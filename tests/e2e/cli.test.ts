/**
 * The `vcq` command end to end: the real binary (packages/cli/bin/vcq.mjs) run as a
 * child process against a running API and worker (in this process), a loopback EVM
 * node and manifest host. Exit codes, `--json` output, and the progress bars, which
 * appear only in a pseudo-terminal (`script` from util-linux gives the command one).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, jsonClient, type SmtpSink, startSmtpSink, startWorld, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'packages/cli/bin/vcq.mjs');
const dir = mkdtempSync(join(tmpdir(), 'vcq-cli-'));

let world: World;
let smtp: SmtpSink;
let api: ApiServer;
let worker: WorkerProcess;
const call = jsonClient(() => api.url);

beforeAll(async () => {
  [world, smtp] = await Promise.all([startWorld(), startSmtpSink()]);
  const config = world.config({ API_KEYS: 'test-key,reader-key-1234:read', SMTP_URL: smtp.url, EMAIL_MAX_ATTACHMENT_BYTES: '4096' });
  [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
});

afterAll(async () => {
  await Promise.allSettled([api?.close(), worker?.close()]);
  await Promise.allSettled([world?.close(), smtp?.close()]);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `vcq args…` with VCQ_URL and VCQ_API_KEY set (unless `env` says otherwise); pipes, not a terminal. */
function vcq(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, VCQ_URL: api.url, VCQ_API_KEY: 'test-key', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Runs `vcq args…` in a pseudo-terminal; stdout and stderr arrive mixed, as a terminal shows them. */
function vcqInTerminal(args: string[]): Promise<Run> {
  const command = [process.execPath, bin, ...args].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      cwd: root,
      env: { ...process.env, VCQ_URL: api.url, VCQ_API_KEY: 'test-key', COLUMNS: '100', TERM: 'xterm' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr: '' }));
  });
}

/** A registered file with its manifest hosted, written to disk. */
async function registeredFile(options: Parameters<World['content']>[0] = {}) {
  const c = await world.content(options);
  const path = join(dir, `${randomUUID()}.bin`);
  writeFileSync(path, c.bytes);
  return { ...c, file: path };
}

describe('vcq verify', () => {
  it('when the file, manifest and registry agree, then --json prints the completed job and exits 0, with no bar in a pipe', async () => {
    const c = await registeredFile();
    const run = await vcq(['verify', c.file, '--manifest', c.manifestUri, '--json']);

    expect(run.code).toBe(0);
    const job = JSON.parse(run.stdout);
    expect(job).toMatchObject({ status: 'completed', type: 'verify', progress: 100, result: { status: 'OK', fileHash: c.hash } });
    expect(run.stderr).not.toContain('\r');
    expect(run.stderr).not.toContain('[#');
  });

  it('when someone else signed the manifest, then it prints FAIL and exits 1', async () => {
    const c = await registeredFile({ signer: world.stranger });
    const run = await vcq(['verify', c.file, '--manifest', c.manifestUri]);

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL {2}0x[0-9a-f]{64}/);
    expect(run.stdout).toMatch(/creatorOk\s+NO/);
  });

  it('when run in a terminal, then the upload bar counts the bytes to 100% and the job bar follows the job live to its end', async () => {
    const c = await registeredFile();
    // The manifest host holds its answer back, so the job is seen part-way (processing, between 0 and 100%).
    world.manifests.put(c.path, c.manifest, { delayMs: 700 });
    const run = await vcqInTerminal(['verify', c.file, '--manifest', c.manifestUri]);

    expect(run.code).toBe(0);
    const screen = run.stdout;
    expect(screen).toMatch(/\rupload {2}\[#+\] 100% {2}2\.0 KiB \/ 2\.0 KiB/);
    expect(screen).toMatch(/\rjob {5}\[-+\] +\d+% {2}(queued|processing)/);
    const partWay = [...screen.matchAll(/\rjob {5}\[[#-]+\] +(\d+)% {2}processing/g)].map((m) => Number(m[1]));
    expect(partWay.some((n) => n > 0 && n < 100)).toBe(true);
    expect(screen).toMatch(/\rjob {5}\[#{40}\] 100% {2}completed/);
    expect(screen).toMatch(/OK {2}0x[0-9a-f]{64}/);
    // The result comes after the bars, on a line of its own.
    expect(screen.indexOf('OK  0x')).toBeGreaterThan(screen.lastIndexOf('100%  completed'));
  });

  it('when the file is bigger, then the upload bar shows intermediate byte counts in a terminal', async () => {
    const path = join(dir, `${randomUUID()}.bin`);
    writeFileSync(path, Buffer.alloc(3 * 1024 * 1024, 7));
    const c = await world.content();
    const run = await vcqInTerminal(['verify', path, '--manifest', c.manifestUri, '--no-wait']);

    expect(run.code).toBe(0);
    const counts = [...run.stdout.matchAll(/upload {2}\[[#-]+\] +(\d+)%/g)].map((m) => Number(m[1]));
    expect(counts[0]).toBe(0);
    expect(counts.at(-1)).toBe(100);
    expect(counts.some((n) => n > 0 && n < 100)).toBe(true);
    expect(run.stdout).toMatch(/[0-9a-f-]{36}/);
  });

  it('when --manifest is missing or the file does not exist, then it exits 2 naming the problem', async () => {
    const missing = await vcq(['verify', 'nope.bin']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--manifest/);

    const noFile = await vcq(['verify', join(dir, 'absent.bin'), '--manifest', 'https://example.test/m.json']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/no file .*absent\.bin/);
  });
});

describe('vcq proof', () => {
  it('when the file is registered, then the proof names its transaction', async () => {
    const c = await registeredFile();
    const run = await vcq(['proof', c.file, '--manifest', c.manifestUri, '--json']);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).result.tx).toMatchObject({ hash: c.tx?.txHash });
  });
});

describe('vcq dids, issue and credentials verify', () => {
  it('when a DID is created, a credential issued with --wait and then verified, then each step exits 0; a garbled credential exits 1', async () => {
    const created = await vcq(['dids', 'create', '--method', 'key']);
    expect(created.code).toBe(0);
    const did = created.stdout.trim();
    expect(did).toMatch(/^did:key:z6Mk/);

    const resolved = await vcq(['dids', 'resolve', did, '--json']);
    expect(resolved.code).toBe(0);
    expect(JSON.stringify(JSON.parse(resolved.stdout))).toContain(did);

    const issued = await vcq(['issue', '--issuer', did, '--subject', did, '--type', 'UniversityDegreeCredential', '--claims', '{"degree":"BSc"}', '--wait', '--json']);
    expect(issued.code).toBe(0);
    const vcJwt = JSON.parse(issued.stdout).result.vcJwt as string;
    expect(vcJwt.split('.')).toHaveLength(3);

    const file = join(dir, 'credential.jwt');
    writeFileSync(file, `${vcJwt}\n`);
    const verified = await vcq(['credentials', 'verify', file, '--json']);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout).result).toMatchObject({ valid: true, issuer: did });

    const [h, p] = vcJwt.split('.');
    const garbled = await vcq(['credentials', 'verify', `${h}.${p}.AAAA`]);
    expect(garbled.code).toBe(1);
    expect(garbled.stdout).toContain('"valid": false');
  });

  it('when issue is run without --wait, then it prints the queued job id and exits 0', async () => {
    const did = (await vcq(['dids', 'create'])).stdout.trim();
    const run = await vcq(['issue', '--issuer', did, '--subject', did, '--type', 'Badge']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when --claims is not JSON, then it exits 2', async () => {
    const run = await vcq(['issue', '--issuer', 'did:key:z6Mkx', '--subject', 'did:key:z6Mkx', '--type', 'Badge', '--claims', '{nope']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--claims must be JSON/);
  });

  it('when the server refuses the input, then it exits 2 and lists the fields', async () => {
    const run = await vcq(['issue', '--issuer', 'not-a-did', '--subject', 'did:key:z6Mkx', '--type', 'Badge']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/HTTP 400/);
    expect(run.stderr).toMatch(/issuerDid:/);
  });
});

describe('vcq emails send', () => {
  it('when an email with an attachment is sent, then it prints the Message-ID and the SMTP server got the file; a missing template exits 2', async () => {
    const file = join(dir, 'report.txt');
    writeFileSync(file, 'the report');
    const run = await vcq(['emails', 'send', '--to', 'ada@example.test, grace@example.test', '--template', 'welcome', '--context', '{"name":"Ada","organization":"Acme"}', '--attach', file]);

    expect(run.code).toBe(0);
    const messageId = run.stdout.trim().replace(/^sent /, '');
    expect(messageId).toMatch(/^<[0-9a-f-]{36}@/);
    const mail = smtp.messages.find((m) => m.messageId === messageId);
    expect(mail?.subject).toBe('Welcome to Acme, Ada');
    expect(mail?.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['report.txt', 'the report']]);

    const unknown = await vcq(['emails', 'send', '--to', 'ada@example.test', '--template', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/template: must be one of the templates/);
  });
});

describe('vcq jobs', () => {
  it('when a job is listed, shown and watched, then each finds it; an unknown job exits 4', async () => {
    const c = await registeredFile();
    const jobId = JSON.parse((await vcq(['verify', c.file, '--manifest', c.manifestUri, '--json'])).stdout).id as string;

    const list = await vcq(['jobs', 'list', '--status', 'completed']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${jobId}\\s+verification/verify\\s+completed`));

    const got = await vcq(['jobs', 'get', jobId, '--json']);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ id: jobId, status: 'completed' });

    const watched = await vcq(['jobs', 'watch', jobId]);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain('"status": "OK"');

    const unknown = await vcq(['jobs', 'get', randomUUID()]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/no job .*HTTP 404/);
  });

  it('when a failed job is retried with --wait, then it runs again (attempt 2) and, failing again, exits 1', async () => {
    // did:key cannot be updated: the job fails at once, without retries.
    const did = (await vcq(['dids', 'create'])).stdout.trim();
    const submitted = await call('POST', `/api/dids/${encodeURIComponent(did)}/update`, { rotateKey: true }, { Prefer: 'wait=10' });
    const jobId = submitted.body.jobId ?? submitted.body.id;
    await api.waiter.wait(jobId, ['failed'], 15_000);

    const watched = await vcq(['jobs', 'watch', jobId]);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(new RegExp(`job ${jobId} failed: `));

    const retried = await vcq(['jobs', 'retry', jobId, '--wait', '--json']);
    expect(retried.code).toBe(1);
    expect(JSON.parse(retried.stdout)).toMatchObject({ id: jobId, status: 'failed', attempt: 2 });
  });
});

describe('vcq queues and workers', () => {
  it('when an admin key asks, then every queue is listed with its counts; a key without admin exits 3', async () => {
    const run = await vcq(['queues', '--json']);
    expect(run.code).toBe(0);
    const names = (JSON.parse(run.stdout) as { name: string }[]).map((q) => q.name);
    expect(names).toEqual(expect.arrayContaining(['verification', 'emails', 'did-operations']));

    const table = await vcq(['queues']);
    expect(table.stdout.split('\n')[0]).toMatch(/^queue\s+waiting\s+active\s+delayed\s+completed\s+failed$/);

    const reader = await vcq(['queues'], { VCQ_API_KEY: 'reader-key-1234' });
    expect(reader.code).toBe(3);
    expect(reader.stderr).toMatch(/HTTP 403/);
  });

  it('when an admin key asks for the workers, then the running worker is listed with its pid and queues; --json gives the same list', async () => {
    const run = await vcq(['workers', '--json']);
    expect(run.code).toBe(0);
    const workers = JSON.parse(run.stdout) as Array<{ pid: number; queues: Array<{ name: string }> }>;
    expect(workers.map((w) => w.pid)).toContain(process.pid);
    expect(workers.find((w) => w.pid === process.pid)?.queues.map((q) => q.name)).toEqual(expect.arrayContaining(['verification', 'emails']));

    const table = await vcq(['workers', '--queue', 'emails']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^host\s+pid\s+version\s+backend\s+queues\s+concurrency\s+active\s+last heartbeat$/);
    expect(table.stdout).toContain(String(process.pid));
  });
});

describe('vcq exit codes for the connection', () => {
  it('when the API key is wrong, then it exits 3; when nothing listens, then it exits 5', async () => {
    const wrong = await vcq(['jobs', 'get', randomUUID()], { VCQ_API_KEY: 'wrong-key-123' });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/HTTP 401/);

    const down = await vcq(['queues', '--url', `http://127.0.0.1:${await freePort()}`]);
    expect(down.code).toBe(5);
    expect(down.stderr).toMatch(/cannot reach vcq/);
  });
});
