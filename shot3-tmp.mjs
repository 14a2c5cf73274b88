import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const t = await b.newPage({ viewport: { width: 1100, height: 1500 } });
await t.goto(`file://${process.argv[2] ?? '/tmp/r33/r.html'}`);
for (const id of process.argv.slice(3)) await t.locator(id).first().screenshot({ path: `/tmp/r33/${id.replace(/[^a-z0-9-]/gi, '')}.png` });
await b.close();
