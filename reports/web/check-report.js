// Opens report.html in headless Chromium from a file:// URL with networking off, and fails unless every chart
// rendered its marks and the console stayed clean; saves a full-page screenshot.
//   node check-report.js REPORT.html SCREENSHOT.png [CHROMIUM]
// With CPX_SCREENSHOT_DIR set it also saves one PNG per chart there (DIR-STEM-CHARTID.png, e.g.
// report-sample-report-chart-speed-accuracy.png), so each chart can be looked at as a reader sees it; off by
// default because the tests only need the full page.
// playwright-core drives the browser (Debian's /usr/bin/chromium; it downloads nothing itself): it gives
// console and network events and element queries without us speaking the DevTools protocol by hand.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

async function main() {
  const [html, screenshot, executable = '/usr/bin/chromium'] = process.argv.slice(2);
  if (!html || !screenshot) throw new Error('usage: node check-report.js REPORT.html SCREENSHOT.png [CHROMIUM]');
  const url = 'file://' + path.resolve(html);
  const browser = await chromium.launch({
    executablePath: executable,
    headless: true,
    // No name resolves: a page that needs the network fails here instead of fetching.
    args: ['--host-resolver-rules=MAP * ~NOTFOUND'],
  });
  const problems = [];
  try {
    // 1400 px: the width the charts are looked at.
    const context = await browser.newContext({ offline: true, viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const requests = [];
    await page.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith('file:') || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
      requests.push(u);
      return route.abort();
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-rendered]', { timeout: 60000 });
    const rendered = await page.getAttribute('body', 'data-rendered');
    if (rendered !== 'ok') problems.push(`page says data-rendered=${rendered}`);

    const charts = await page.$$eval('.cpx-chart', (nodes) =>
      nodes.map((n) => {
        const svg = n.querySelector('svg');
        // Vega draws data as items inside groups of class role-mark; axes and legends use other roles.
        const marks = svg ? svg.querySelectorAll('.role-mark > path, .role-mark > line, .role-mark > text, .role-mark > rect').length : 0;
        const nan = svg ? /NaN|Infinity/.test(svg.innerHTML) : false;
        const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
        return { id: n.id, svg: !!svg, marks, min: Number(n.dataset.minMarks), nan, width: box.width, height: box.height };
      }));
    if (charts.length === 0) problems.push('no charts on the page');
    for (const c of charts) {
      const status = `${c.id}: ${c.svg ? 'svg' : 'no svg'}, ${c.marks} marks (at least ${c.min} expected), ${Math.round(c.width)}x${Math.round(c.height)} px`;
      console.log(status);
      if (!c.svg || c.marks === 0 || c.marks < c.min || c.width < 100 || c.height < 100) problems.push(`chart did not render: ${status}`);
      if (c.nan) problems.push(`${c.id}: NaN or Infinity in the drawing`);
    }
    const perChart = process.env.CPX_SCREENSHOT_DIR;
    if (perChart) {
      const prefix = path.basename(path.dirname(path.resolve(html))) + '-' + path.basename(html, '.html');
      fs.mkdirSync(perChart, { recursive: true });
      for (const c of charts) {
        const file = path.join(perChart, `${prefix}-${c.id}.png`);
        await page.locator('#' + c.id).screenshot({ path: file });
        console.log(`chart screenshot: ${file}`);
      }
    }
    if (requests.length) problems.push(`network requests attempted: ${requests.join(', ')}`);
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${path.resolve(screenshot)}`);
  } finally {
    await browser.close();
  }
  if (problems.length) {
    for (const p of problems) console.error(p);
    process.exit(1);
  }
  console.log('report renders offline: every chart has its marks, the console is clean');
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
