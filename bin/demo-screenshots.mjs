// npm run screenshots: the README's pictures of the report, taken from the demo's own
// showback-demo.html (run npm run demo first; npm run screenshots does both) in Debian's
// headless Chromium: the first page as a manager opens it, and one cost centre's page.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const page = join(root, 'showback-demo.html');
const browserPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(page)) throw new Error(`no ${page}: run npm run demo first`);
if (!existsSync(browserPath)) throw new Error(`no Chromium at ${browserPath}: install Debian's chromium package or set CHROMIUM_PATH`);

const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] });
try {
  const tab = await browser.newPage({ viewport: { width: 1100, height: 1300 } });
  await tab.goto(`file://${page}`);
  await tab.screenshot({ path: join(root, 'docs/report-showback.png') });
  await tab.locator('section.centre').first().screenshot({ path: join(root, 'docs/report-centre.png') });
  console.log('docs/report-showback.png and docs/report-centre.png, from showback-demo.html');
} finally {
  await browser.close();
}
