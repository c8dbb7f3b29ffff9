// Screenshot of a local page with Debian's Chromium, after the page settles (used for docs/trace-across-silos.png).
//   mkdir -p /tmp/shot && cp scripts/screenshot.mjs /tmp/shot && cd /tmp/shot && npm install playwright-core@1 && node screenshot.mjs URL OUT.png
import { chromium } from 'playwright-core';
const [url, out] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const page = await browser.newPage({ viewport: { width: 1700, height: 1150 } });
await page.goto(url, { waitUntil: 'networkidle' });
await page.waitForTimeout(4000);
await page.screenshot({ path: out });
await browser.close();
