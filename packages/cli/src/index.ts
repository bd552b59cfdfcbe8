export { main } from './main.js';
export { Exit, exitForError, exitForStatus, type ExitCode, UsageError } from './exit-codes.js';
export { type Io, Output } from './output.js';
