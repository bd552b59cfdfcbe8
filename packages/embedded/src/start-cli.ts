/** `pnpm start`: see launcher.ts. */
import { runLauncher } from './launcher.js';

await runLauncher();
