/**
 * `vcq`: the command line of vcq, on the typed client (@vcq/client). Every command
 * takes `--url` / `VCQ_URL`, `--api-key` / `VCQ_API_KEY` and `--json`, and exits
 * with a code that says what happened (exit-codes.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { createVcqClient, type JobView, type operations, unwrap, type VcqClient, VcqApiError } from '@vcq/client';
import { Exit, type ExitCode, exitForError, UsageError } from './exit-codes.js';
import { checkAnswer, follow, settle, submitted } from './follow.js';
import { formatBytes, type Io, Output } from './output.js';

interface Globals {
  url: string;
  apiKey?: string;
  json: boolean;
}

type Finished = Awaited<ReturnType<typeof settle>>;
type QueueName = operations['getQueueStats']['parameters']['path']['name'];
type CredentialFormat = NonNullable<NonNullable<operations['issueCredential']['requestBody']>['content']['application/json']['format']>;

/** Runs `vcq` with `argv` (as process.argv: node, script, args...); resolves with the exit code. */
export async function main(argv: string[], io: Io): Promise<ExitCode> {
  let code: ExitCode = Exit.OK;
  const program = new Command('vcq')
    .description('Submit, follow and inspect vcq jobs.')
    .addOption(new Option('--url <url>', 'where vcq listens').env('VCQ_URL').default('http://localhost:3000'))
    .addOption(new Option('--api-key <key>', 'the API key').env('VCQ_API_KEY'))
    .option('--json', 'print the result as one JSON document (for scripts)', false)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const ctx = (cmd: Command) => {
    const g = cmd.optsWithGlobals() as Globals;
    if (!URL.canParse(g.url)) throw new UsageError(`--url (VCQ_URL) must be a URL such as http://localhost:3000, not "${g.url}"`);
    const out = new Output(io, g.json);
    return { client: createVcqClient({ baseUrl: g.url, ...(g.apiKey ? { apiKey: g.apiKey } : {}) }), out };
  };
  /** Wraps a command's action so that what it returns is the exit code. */
  const run =
    <A extends unknown[]>(action: (...args: A) => Promise<ExitCode>) =>
    async (...args: A) => {
      code = await action(...args);
    };

  for (const kind of ['verify', 'proof'] as const) {
    program
      .command(`${kind} <file>`)
      .description(kind === 'verify' ? 'verify a file against its manifest and the on-chain registry' : 'build a proof of registration for a file')
      .requiredOption('-m, --manifest <uri>', 'the manifest URI (https://… or ipfs://…)')
      .option('-r, --registry <address>', 'the registry contract (the server’s REGISTRY_ADDRESS by default)')
      .option('--no-wait', 'print the job id once queued, without following it')
      .action(
        run(async (file: string, opts: { manifest: string; registry?: string; wait: boolean }, cmd: Command) => {
          const { client, out } = ctx(cmd);
          await stat(file).catch(() => {
            throw new UsageError(`no file ${file}`);
          });
          const answer = await client.upload(`/api/verification-jobs/${kind}`, {
            filePath: file,
            fields: { manifestURI: opts.manifest, registryAddress: opts.registry },
            onProgress: (sent, total) => out.bar('upload', total === 0 ? 1 : sent / total, `${formatBytes(sent)} / ${formatBytes(total)}`),
          });
          out.endBar();
          const s = submitted(checkAnswer(answer));
          if (!opts.wait && s.mode === 'async') return queued(out, s.jobId);
          const job = await settle(client, s, out);
          return kind === 'verify' ? printVerification(out, job) : printJob(out, job);
        }),
      );
  }

  program
    .command('issue')
    .description('issue a credential signed by a DID vcq controls')
    .requiredOption('--issuer <did>', 'the issuer DID')
    .requiredOption('--subject <did>', 'the subject DID')
    .requiredOption('--type <type>', 'the credential type, e.g. UniversityDegreeCredential')
    .option('--claims <json>', 'the subject’s claims as a JSON object', '{}')
    .option('--format <format>', 'jwt_vc_json, vc+jwt, di-eddsa-rdfc-2022 or di-eddsa-jcs-2022 (the server’s CREDENTIAL_FORMAT by default)')
    .option('--expires <date>', 'an ISO 8601 expiration date')
    .option('-w, --wait', 'follow the job and print the credential', false)
    .action(
      run(async (opts: { issuer: string; subject: string; type: string; claims: string; format?: string; expires?: string; wait: boolean }, cmd: Command) => {
        const { client, out } = ctx(cmd);
        const body = {
          issuerDid: opts.issuer,
          subjectDid: opts.subject,
          credentialType: opts.type,
          claims: parseJsonObject(opts.claims, '--claims'),
          ...(opts.format ? { format: opts.format as CredentialFormat } : {}),
          ...(opts.expires ? { expirationDate: opts.expires } : {}),
        };
        const s = submitted(unwrap(await client.api.POST('/api/credentials/issue', { body })));
        if (!opts.wait && s.mode === 'async') return queued(out, s.jobId);
        return printJob(out, await settle(client, s, out));
      }),
    );

  const credentials = program.command('credentials').description('credentials');
  credentials
    .command('verify <credential>')
    .description('verify a credential: a VC-JWT, a file holding one or a JSON credential with a proof, or - for stdin')
    .option('--no-wait', 'print the job id once queued')
    .action(
      run(async (credential: string, opts: { wait: boolean }, cmd: Command) => {
        const { client, out } = ctx(cmd);
        const text = (credential === '-' ? await readStdin() : await readFile(credential, 'utf8').catch(() => credential)).trim();
        const body = text.startsWith('{') ? { verifiableCredential: parseJsonObject(text, '<credential>') } : { vcJwt: text };
        const s = submitted(unwrap(await client.api.POST('/api/credentials/verify', { body })));
        if (!opts.wait && s.mode === 'async') return queued(out, s.jobId);
        const job = await settle(client, s, out);
        const code = printJob(out, job);
        const valid = (job.result as { valid?: boolean } | null)?.valid;
        if (code === Exit.OK && valid === false) return Exit.FAILED;
        return code;
      }),
    );

  const dids = program.command('dids').description('DIDs vcq controls');
  dids
    .command('create')
    .description('create a did:key, or a did:web under the server’s PUBLIC_BASE_URL')
    .addOption(new Option('--method <method>', 'key or web').choices(['key', 'web']).default('key'))
    .option('--path <segments>', 'did:web path segments, slash-separated (e.g. issuers/acme)')
    .option('--no-wait', 'print the job id once queued')
    .action(
      run(async (opts: { method: 'key' | 'web'; path?: string; wait: boolean }, cmd: Command) => {
        const { client, out } = ctx(cmd);
        const body = { method: opts.method, ...(opts.path ? { path: opts.path.split('/').filter(Boolean) } : {}) };
        const s = submitted(unwrap(await client.api.POST('/api/dids', { body })));
        if (!opts.wait && s.mode === 'async') return queued(out, s.jobId);
        const job = await settle(client, s, out);
        const did = (job.result as { did?: string } | null)?.did;
        if (job.status === 'completed' && did && !out.json) {
          out.line(did);
          return Exit.OK;
        }
        return printJob(out, job);
      }),
    );
  dids
    .command('resolve <did>')
    .description('resolve a DID to its document')
    .action(
      run(async (did: string, _opts: unknown, cmd: Command) => {
        const { client, out } = ctx(cmd);
        const resolution = unwrap(await client.api.GET('/api/dids/{did}', { params: { path: { did } } }));
        out.data(resolution);
        if (!out.json) out.line(JSON.stringify(resolution, null, 2));
        return Exit.OK;
      }),
    );

  const emails = program.command('emails').description('templated emails (queue emails)');
  emails
    .command('send')
    .description('queue a templated email, sent over the server’s SMTP_URL')
    .requiredOption('--to <addresses>', 'one address, or several separated by commas')
    .requiredOption('--template <name>', 'a template of the server’s EMAIL_TEMPLATES_DIR, e.g. welcome')
    .option('--context <json>', 'the values the template renders, as a JSON object', '{}')
    .option('--subject <subject>', 'replaces the template’s subject line')
    .option('--attach <file...>', 'files to attach (at most EMAIL_MAX_ATTACHMENT_BYTES in all)')
    .option('--no-wait', 'print the job id once queued')
    .action(
      run(async (opts: { to: string; template: string; context: string; subject?: string; attach?: string[]; wait: boolean }, cmd: Command) => {
        const { client, out } = ctx(cmd);
        const attachments = await Promise.all(
          (opts.attach ?? []).map(async (file) => {
            const bytes = await readFile(file).catch(() => {
              throw new UsageError(`no file ${file}`);
            });
            return { filename: basename(file), content: bytes.toString('base64') };
          }),
        );
        const to = opts.to.split(',').map((a) => a.trim()).filter(Boolean);
        const body = {
          to,
          template: opts.template,
          context: parseJsonObject(opts.context, '--context'),
          ...(opts.subject ? { subject: opts.subject } : {}),
          ...(attachments.length > 0 ? { attachments } : {}),
        };
        const s = submitted(unwrap(await client.api.POST('/api/emails', { body })));
        if (!opts.wait && s.mode === 'async') return queued(out, s.jobId);
        const job = await settle(client, s, out);
        const messageId = (job.result as { messageId?: string } | null)?.messageId;
        if (job.status === 'completed' && messageId && !out.json) {
          out.line(`sent ${messageId}`);
          return Exit.OK;
        }
        return printJob(out, job);
      }),
    );

  const jobs = program.command('jobs').description('jobs of any queue');
  jobs
    .command('list')
    .description('list jobs, newest first: verification jobs, or any queue’s with --queue (admin key)')
    .option('-q, --queue <name>', 'a queue name (admin scope); verification jobs when left out')
    .option('-s, --status <status>', 'queued, processing, completed, failed (with --queue: waiting, active, completed, failed, delayed)')
    .option('-n, --limit <n>', 'how many', '20')
    .action(
      run(async (opts: { queue?: string; status?: string; limit: string }, cmd: Command) => {
        const { client, out } = ctx(cmd);
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new UsageError('--limit must be a whole number from 1 to 100');
        let items: JobView[];
        if (opts.queue) {
          const { data } = unwrap(
            await client.api.GET('/queue/{name}/jobs', {
              params: { path: { name: opts.queue as QueueName }, query: { status: (opts.status ?? 'waiting') as 'waiting', start: 0, end: limit - 1 } },
            }),
          );
          items = data.jobs as JobView[];
        } else {
          const page = unwrap(await client.api.GET('/api/verification-jobs', { params: { query: { limit, ...(opts.status ? { status: opts.status as 'queued' } : {}) } } }));
          items = page.items as JobView[];
        }
        out.data(items);
        if (!out.json) {
          if (items.length === 0) out.line('no jobs');
          for (const job of items) out.line(jobLine(job));
        }
        return Exit.OK;
      }),
    );
  jobs
    .command('get <id>')
    .description('show a job')
    .action(
      run(async (id: string, _opts: unknown, cmd: Command) => {
        const { client, out } = ctx(cmd);
        const job = unwrap(await client.api.GET('/api/jobs/{id}', { params: { path: { id } } }));
        out.data(job);
        if (!out.json) printJobDetails(out, job);
        return Exit.OK;
      }),
    );
  jobs
    .command('watch <id>')
    .description('follow a job live until it ends; exits 1 if it fails')
    .action(
      run(async (id: string, _opts: unknown, cmd: Command) => {
        const { client, out } = ctx(cmd);
        return printJob(out, await follow(client, id, out));
      }),
    );
  jobs
    .command('retry <id>')
    .description('queue a failed job again (admin key)')
    .option('--wait', 'follow the retried job to its end', false)
    .action(
      run(async (id: string, opts: { wait: boolean }, cmd: Command) => {
        const { client, out } = ctx(cmd);
        const job = unwrap(await client.api.GET('/api/jobs/{id}', { params: { path: { id } } }));
        const answer = unwrap(await client.api.POST('/queue/{name}/job/{jobId}/retry', { params: { path: { name: job.queue as QueueName, jobId: id } } }));
        if (!opts.wait) {
          out.data(answer);
          out.line(`job ${id} queued again`);
          return Exit.OK;
        }
        return printJob(out, await follow(client, id, out));
      }),
    );

  program
    .command('queues')
    .description('counts of every queue (admin key)')
    .action(
      run(async (_opts: unknown, cmd: Command) => {
        const { client, out } = ctx(cmd);
        const { data } = unwrap(await client.api.GET('/queue/stats'));
        out.data(data);
        if (!out.json) {
          const rows = data.map((q) => [q.name, q.paused ? 'paused' : '', q.waiting, q.active, q.delayed, q.completed, q.failed].map(String));
          out.line(table(['queue', '', 'waiting', 'active', 'delayed', 'completed', 'failed'], rows));
        }
        return Exit.OK;
      }),
    );

  program
    .command('workers')
    .description('the worker processes consuming the queues, with their heartbeats (admin key)')
    .option('--queue <name>', 'only the workers consuming this queue')
    .action(
      run(async (opts: { queue?: string }, cmd: Command) => {
        const { client, out } = ctx(cmd);
        const { workers } = unwrap(await client.api.GET('/queue/workers', { params: { query: opts.queue ? { queue: opts.queue as QueueName } : {} } })).data;
        out.data(workers);
        if (!out.json) {
          if (workers.length === 0) out.line('no live workers');
          else {
            const rows = workers.map((w) => [w.host, String(w.pid), w.version, w.backend, w.queues.map((q) => q.name).join(','), String(w.concurrency), String(w.active), w.lastHeartbeatAt]);
            out.line(table(['host', 'pid', 'version', 'backend', 'queues', 'concurrency', 'active', 'last heartbeat'], rows));
          }
        }
        return Exit.OK;
      }),
    );

  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? Exit.OK : Exit.USAGE;
    }
    const exit = exitForError(error);
    report(io, program.opts<Globals>().json, error, exit);
    return exit;
  }
}

/** Prints a failure: the problem's words for people, or `{error}` as JSON on stderr. */
function report(io: Io, json: boolean, error: unknown, exit: ExitCode): void {
  const problem = error instanceof VcqApiError ? error.problem : undefined;
  const message = error instanceof Error ? (error.cause instanceof Error && error.message === 'fetch failed' ? `cannot reach vcq: ${error.cause.message}` : error.message) : String(error);
  if (json) {
    io.stderr.write(`${JSON.stringify({ error: { exitCode: exit, message, ...(error instanceof VcqApiError ? { status: error.status, problem } : {}) } })}\n`);
    return;
  }
  const status = error instanceof VcqApiError ? ` (HTTP ${error.status})` : '';
  io.stderr.write(`vcq: ${message}${status}\n`);
  for (const e of (problem?.errors ?? []) as { field: string; message: string }[]) io.stderr.write(`  ${e.field}: ${e.message}\n`);
}

function queued(out: Output, jobId: string): ExitCode {
  out.data({ jobId, status: 'queued' });
  out.line(jobId);
  return Exit.OK;
}

/** Prints a finished job (its result, or its error); exit 1 unless it completed. */
function printJob(out: Output, job: Finished): ExitCode {
  out.data(job);
  if (job.status !== 'completed') {
    const error = 'error' in job ? job.error : null;
    out.line(`job ${job.id} ${job.status}${error ? `: ${error}` : ''}`);
    return Exit.FAILED;
  }
  out.line(JSON.stringify(job.result, null, 2));
  return Exit.OK;
}

/** A verification's outcome: OK and WARN exit 0 (WARN with a note), FAIL exits 1. */
function printVerification(out: Output, job: Finished): ExitCode {
  if (job.status !== 'completed') return printJob(out, job);
  const result = job.result as { status: string; fileHash: string; recovered: string | null; checks: Record<string, boolean> };
  out.data(job);
  const mark = (ok: boolean) => (ok ? 'yes' : 'NO');
  out.line(`${result.status}  ${result.fileHash}`);
  for (const [check, ok] of Object.entries(result.checks)) out.line(`  ${check.padEnd(16)} ${mark(ok)}`);
  if (result.recovered) out.line(`  signer           ${result.recovered}`);
  if (result.status === 'WARN') out.note('vcq: WARN: the file and signer check out, but the registry records another manifest URI');
  return result.status === 'FAIL' ? Exit.FAILED : Exit.OK;
}

function printJobDetails(out: Output, job: JobView): void {
  out.line(jobLine(job));
  out.line(`  created   ${job.createdAt}`);
  if (job.startedAt) out.line(`  started   ${job.startedAt}`);
  if (job.completedAt) out.line(`  finished  ${job.completedAt}`);
  if (job.error) out.line(`  error     ${job.error}`);
  if (job.result !== null && job.result !== undefined) out.line(`  result    ${JSON.stringify(job.result)}`);
}

const jobLine = (job: JobView) => `${job.id}  ${`${job.queue}/${job.type}`.padEnd(28)} ${job.status.padEnd(10)} ${String(job.progress).padStart(3)}%  attempt ${job.attempt}`;

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [head, ...rows].map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${what} must be JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export type { Io, VcqClient };
