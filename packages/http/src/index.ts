/**
 * Small pieces for reading untrusted input before anything parses it. (Bodies other
 * hosts send are capped by packages/egress, which reads them.)
 */
export { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth.js';
export { nameBasedUuid } from './name-based-uuid.js';
