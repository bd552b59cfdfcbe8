/**
 * Where a command's words go. Results go to stdout: one JSON document with `--json`,
 * lines for people otherwise. Progress bars go to stderr, and only when stderr is a
 * terminal, so a pipe or a log file never gets carriage returns.
 */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
}

const MiB = 1024 * 1024;

/** `1.5 MiB`, `12.0 KiB`, `300 B`. */
export function formatBytes(n: number): string {
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

export class Output {
  private barOpen = false;
  private lastBar = '';

  constructor(
    private readonly io: Io,
    readonly json: boolean,
  ) {}

  /** Whether bars are drawn: stderr is a terminal and VCQ_NO_PROGRESS is unset. */
  get interactive(): boolean {
    return Boolean(this.io.stderr.isTTY) && !this.io.env.VCQ_NO_PROGRESS;
  }

  /** A line of the result (human mode only). */
  line(text = ''): void {
    this.endBar();
    if (!this.json) this.io.stdout.write(`${text}\n`);
  }

  /** The result as JSON (`--json` mode only). */
  data(value: unknown): void {
    this.endBar();
    if (this.json) this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A note for people on stderr (status changes, warnings), in both modes. */
  note(text: string): void {
    this.endBar();
    this.io.stderr.write(`${text}\n`);
  }

  /** Draws `label [#####-----]  45%  detail` in place (terminal only). */
  bar(label: string, fraction: number, detail = ''): void {
    if (!this.interactive) return;
    const width = Math.max(10, Math.min(40, (this.io.stderr.columns || 80) - label.length - detail.length - 16));
    const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
    const filled = Math.round(f * width);
    const text = `${label.padEnd(7)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}%  ${detail}`;
    if (text === this.lastBar) return;
    this.lastBar = text;
    this.barOpen = true;
    // \r and clear-to-end-of-line: redraw the same line.
    this.io.stderr.write(`\r${text}\x1b[K`);
  }

  /** Ends the line a bar is on, leaving it as drawn. */
  endBar(): void {
    if (!this.barOpen) return;
    this.io.stderr.write('\n');
    this.barOpen = false;
    this.lastBar = '';
  }
}
