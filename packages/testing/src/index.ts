export { compileContentRegistry, type ContractArtifact } from './content-registry.js';
export { type EvmAccount, type EvmNode, type MinedTransaction, startEvmNode } from './evm-node.js';
export {
  type IpfsGateway,
  type ManifestServer,
  type PeerResponseOptions,
  startIpfsGateway,
  startManifestServer,
} from './http-peers.js';
export { type LoopbackServer, listenOnLoopback } from './loopback-server.js';
export { type MakeManifestOptions, makeManifest, sha256Hex, type TestManifest } from './manifest.js';
export { createTestDatabase, ensureTestDatabaseTemplate, type TestDatabase } from './database.js';
export {
  DEFAULT_TEST_DATABASE_BASE_URL,
  DEFAULT_TEST_REDIS_URL,
  type ProvisionedServices,
  provisionTestServices,
  testDatabaseBaseUrl,
  testDatabaseUrl,
  testRedisUrl,
} from './services.js';
export { type SmtpSink, startSmtpSink } from './smtp-server.js';
export { startTcpService, type TcpService, type TcpServiceOptions } from './tcp-service.js';
export { type RedisSentinelSet, startRedisSentinel } from './redis-sentinel.js';
export { submitUntilSomeOpen } from './redis-group.js';
export { redisCliAvailable, type RedisCluster, type RedisClusterNodeProcess, type RedisClusterOptions, startRedisCluster } from './redis-cluster.js';
export { freePort, spawnApp, spawnNode, startApp, startRedisServer, waitFor, type RedisServer, type RedisServerOptions, type VcqProcess } from './processes.js';
export { type PrometheusScrape, scrapeLikePrometheus } from './prometheus.js';
export {
  auth,
  type Hex,
  type Json,
  jsonClient,
  type RawAnswer,
  rawExchange,
  startHookCollector,
  startWorld,
  uploadForm,
  type World,
} from './world.js';
