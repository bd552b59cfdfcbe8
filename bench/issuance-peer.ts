/**
 * The two peers `worker_ratio` measures vcq's issuance against, each in its own
 * process like vcq's worker, doing the same work for the same N jobs:
 *
 *   limit   only what an issuance cannot avoid: read the queued job rows, sign each
 *           credential (Ed25519 with a cached key, vcq's own signer and payload), insert
 *           the credentials and close the job rows, 500 to a statement.
 *   pgboss  pg-boss 12 draining the same N issuance jobs in batches (its own job table
 *           is the job row), signing with vcq's signer and inserting each batch's
 *           credentials in one statement.
 *
 * The harness puts the jobs in place first (job rows for the limit, pg-boss jobs sent in
 * bulk for pg-boss), so a peer's figures are its drain alone. It prints one JSON line
 * `{firstStartMs, lastDoneMs, count, cpuMs, gcMs, peakRssBytes}` (cpuMs and gcMs from the
 * first job to the last) once all N are done, then exits on SIGTERM.
 *
 * Usage: node --import tsx bench/issuance-peer.ts <limit|pgboss> '<json settings>'
 * settings: {databaseUrl, batch, n, issuerDid, keyId, seedHex, queue?, schema?, batchSize?, localConcurrency?}
 */
import { PerformanceObserver } from 'node:perf_hooks';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { credentialPayload, signerFromSeed, signJwt } from '@vcq/credentials';

interface Settings {
  databaseUrl: string;
  /** Tags the run's jobs and credentials (subjects are `did:example:<batch>-<i>`). */
  batch: string;
  n: number;
  issuerDid: string;
  keyId: string;
  seedHex: string;
  /** pg-boss: the queue the harness sent the jobs to, and its schema. */
  queue?: string;
  schema?: string;
  batchSize?: number;
  localConcurrency?: number;
}

const [mode, json] = process.argv.slice(2);
if ((mode !== 'limit' && mode !== 'pgboss') || !json) {
  process.stderr.write("usage: issuance-peer.ts <limit|pgboss> '<json settings>'\n");
  process.exit(2);
}
const settings = JSON.parse(json) as Settings;
const signer = signerFromSeed(Buffer.from(settings.seedHex, 'hex'));
const listId = `bench-${settings.batch}`;

/** The job data an issue-credential job carries (what the bench enqueues for vcq too). */
export interface IssueJob {
  issuerDid: string;
  subjectDid: string;
  credentialType: string;
  claims: Record<string, unknown>;
}

/** One credential row, signed as vcq's built-in issuer signs a jwt_vc_json credential. */
function issue(id: string, data: IssueJob, index: number, now: Date) {
  const issuedAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const statusListCredential = `http://127.0.0.1/status/${listId}`;
  const payload = credentialPayload({
    id,
    issuer: data.issuerDid,
    subject: data.subjectDid,
    type: data.credentialType,
    claims: data.claims,
    issuedAt,
    expiresAt: null,
    status: {
      id: `${statusListCredential}#${index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(index),
      statusListCredential,
    },
  });
  const jwt = signJwt({ typ: 'JWT', kid: settings.keyId }, payload, signer);
  return { id, public_id: `urn:uuid:${id}`, issuer: data.issuerDid, subject: data.subjectDid, type: data.credentialType, issued_at: issuedAt, jwt, status_list_id: listId, status_list_index: index };
}

type CredentialRow = ReturnType<typeof issue>;

const INSERT_CREDENTIALS = `
  INSERT INTO credentials (id, public_id, issuer, subject, type, issued_at, jwt, status_list_id, status_list_index)
  SELECT id, public_id, issuer, subject, type, issued_at, jwt, status_list_id, status_list_index
  FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, public_id text, issuer text, subject text, type text, issued_at timestamptz,
    jwt text, status_list_id text, status_list_index int)`;

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });
let peakRss = 0;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 20);

interface Measure {
  firstStartMs: number;
  cpu: NodeJS.CpuUsage;
  gcMs: number;
}
const begin = (): Measure => ({ firstStartMs: Date.now(), cpu: process.cpuUsage(), gcMs });
function finish(m: Measure, count: number): void {
  const cpu = process.cpuUsage(m.cpu);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  process.stdout.write(
    `${JSON.stringify({ firstStartMs: m.firstStartMs, lastDoneMs: Date.now(), count, cpuMs: (cpu.user + cpu.system) / 1000, gcMs: gcMs - m.gcMs, peakRssBytes: peakRss })}\n`,
  );
}

/** The limit: the job rows vcq would hold, read, signed, stored and closed 500 at a time. */
async function limit(): Promise<void> {
  const client = new pg.Client({ connectionString: settings.databaseUrl });
  await client.connect();
  const step = settings.batchSize ?? 500;
  let measure: Measure | undefined;
  let done = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await client.query<{ id: string; data: IssueJob }>(
      `SELECT id::text AS id, data FROM jobs WHERE status = 'queued' AND kind = 'issue-credential' AND data->'claims'->>'batch' = $1 AND id > $2::uuid ORDER BY id LIMIT $3`,
      [settings.batch, after, step],
    );
    if (rows.length === 0) break;
    measure ??= begin();
    const now = new Date();
    const credentials: CredentialRow[] = rows.map((row, k) => issue(row.id, row.data, done + k, now));
    await client.query('BEGIN');
    await client.query(INSERT_CREDENTIALS, [JSON.stringify(credentials)]);
    await client.query(
      `UPDATE jobs AS j SET status = 'completed', attempt = 1, progress = 100, result = v.result, started_at = $2, completed_at = now(), updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS v(id uuid, result jsonb) WHERE j.id = v.id AND j.status = 'queued'`,
      [JSON.stringify(credentials.map((c) => ({ id: c.id, result: { vcJwt: c.jwt, credentialId: c.id, issuedAt: c.issued_at } }))), now],
    );
    await client.query('COMMIT');
    done += rows.length;
    after = rows[rows.length - 1]?.id as string;
  }
  if (!measure) throw new Error(`no queued jobs of batch ${settings.batch}`);
  finish(measure, done);
  await untilTold();
  await client.end();
}

/** pg-boss 12 draining the jobs the harness sent (`settings.queue`) in batches through `work`. */
async function pgboss(): Promise<void> {
  const boss = new PgBoss({ connectionString: settings.databaseUrl, schema: settings.schema ?? 'pgboss_bench', supervise: false, schedule: false });
  boss.on('error', (error: Error) => process.stderr.write(`pg-boss error: ${error.message}\n`));
  await boss.start();
  const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: 2 });
  const completedCount = async () =>
    Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${settings.schema ?? 'pgboss_bench'}.job WHERE name = $1 AND state = 'completed'`, [settings.queue])).rows[0]?.n ?? 0);
  let measure: Measure | undefined;
  let handled = 0;
  let next = 0;
  let resolveAll: () => void = () => {};
  const allHandled = new Promise<void>((resolve) => {
    resolveAll = resolve;
  });
  await boss.work<IssueJob>(settings.queue as string, { batchSize: settings.batchSize ?? 250, localConcurrency: settings.localConcurrency ?? 2, pollingIntervalSeconds: 0.5 }, async (jobs) => {
    measure ??= begin();
    const now = new Date();
    const credentials = jobs.map((job) => issue(job.id, job.data, next++, now));
    await pool.query(INSERT_CREDENTIALS, [JSON.stringify(credentials)]);
    handled += jobs.length;
    if (handled >= settings.n) resolveAll();
  });
  await allHandled;
  // Done is when pg-boss has recorded every completion, not when the last handler returned.
  while ((await completedCount()) < settings.n) await new Promise((resolve) => setTimeout(resolve, 5));
  finish(measure as Measure, handled);
  await untilTold();
  await boss.stop({ graceful: false });
  await pool.end();
}

/** The harness reads the peer's Postgres backends' CPU after its answer, while they are still connected. */
const untilTold = () => new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));

try {
  await (mode === 'limit' ? limit() : pgboss());
  clearInterval(rssTimer);
  process.exit(0);
} catch (error) {
  process.stderr.write(`issuance peer ${mode} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
