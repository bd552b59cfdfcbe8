/**
 * Email templates: one folder per template under the templates directory, each with
 * `subject.hbs`, `html.hbs` and `text.hbs` (handlebars). The HTML body escapes what
 * it renders; the subject and the text body are plain text and do not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { TEMPLATE_NAME } from './schemas.js';

/** The templates that ship with vcq (EMAIL_TEMPLATES_DIR replaces them). */
export const BUNDLED_TEMPLATES_DIR = fileURLToPath(new URL('../templates', import.meta.url));

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

type Render = (context: Record<string, unknown>) => string;

export interface TemplateSet {
  readonly names: string[];
  has(name: string): boolean;
  /** Renders a template; undefined when there is no such template. */
  render(name: string, context: Record<string, unknown>): RenderedEmail | undefined;
}

const PARTS = ['subject', 'html', 'text'] as const;

/**
 * Reads and compiles every template under `dir` once, at start-up (synchronously, as
 * config is read); a folder missing a part is an error naming it.
 */
export function loadTemplates(dir: string = BUNDLED_TEMPLATES_DIR): TemplateSet {
  const hbs = Handlebars.create();
  const compiled = new Map<string, Record<(typeof PARTS)[number], Render>>();
  const entries = attempt(() => readdirSync(dir, { withFileTypes: true }), `cannot read the email templates directory ${dir}`);
  for (const entry of entries) {
    if (!entry.isDirectory() || !TEMPLATE_NAME.test(entry.name)) continue;
    const parts = {} as Record<(typeof PARTS)[number], Render>;
    for (const part of PARTS) {
      const file = join(dir, entry.name, `${part}.hbs`);
      const source = attempt(() => readFileSync(file, 'utf8'), `email template ${entry.name} has no ${part}.hbs (${file})`);
      parts[part] = hbs.compile(part === 'subject' ? source.trim() : source, { noEscape: part !== 'html' });
    }
    compiled.set(entry.name, parts);
  }
  return {
    names: [...compiled.keys()].sort(),
    has: (name) => compiled.has(name),
    render(name, context) {
      const parts = compiled.get(name);
      if (!parts) return undefined;
      return { subject: parts.subject(context), html: parts.html(context), text: parts.text(context) };
    },
  };
}

function attempt<T>(read: () => T, message: string): T {
  try {
    return read();
  } catch (error) {
    throw new Error(message, { cause: error });
  }
}
