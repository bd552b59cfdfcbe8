/**
 * Debian's Chromium driven by playwright-core (which never downloads a browser), for
 * the tests that need a real browser: the dashboard and the cross-site form.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
// The machine has no network: without these, Chromium keeps dialling Google services.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Runs `use` with Debian's Chromium; Playwright gives each launch a fresh temporary profile. */
export async function withChromium(use: (browser: Browser) => Promise<void>): Promise<void> {
  // CI installs Chromium (.ci/run); a machine without it must fail here, not pass silently.
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) to run the browser tests`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    await use(browser);
  } finally {
    await browser.close();
  }
}
