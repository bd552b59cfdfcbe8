export { startEmbeddedPostgres, embeddedState, embeddedPaths, type EmbeddedPostgres, type EmbeddedPostgresOptions, type EmbeddedState } from './postgres.js';
export { chooseDatabaseMode, answers, runLauncher, DEFAULT_POSTGRES, type DatabaseMode } from './launcher.js';
