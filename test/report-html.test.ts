import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../harness/run.js';
import { sweep } from '../harness/sweep.js';
import refundsScenario from '../scenarios/refunds/index.js';
import refunds2pcScenario from '../scenarios/refunds-2pc/index.js';
import paymentsDedup from '../scenarios/payments-dedup/index.js';
import { REFUND_FAULT_PRESETS } from '../scenarios/refunds/presets.js';
import { parseThresholds } from '../reports/slo.js';
import { renderCapacityHtml, renderRunHtml } from '../reports/html.js';

// Debian's chromium, driven by playwright-core (never a downloaded browser). CI installs
// it and sets FAULTLINE_REQUIRE_CHROMIUM=1; elsewhere, without it, these tests say they skip.
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.FAULTLINE_REQUIRE_CHROMIUM === '1') throw new Error(`${CHROMIUM} is missing but FAULTLINE_REQUIRE_CHROMIUM=1`);
if (!haveChromium) console.warn(`report-html: skipping the browser checks: no ${CHROMIUM} (apt-get install chromium)`);

const OUT = join(process.cwd(), 'test-output');

async function openInChromium(html: string, name: string) {
  const { chromium } = await import('playwright-core');
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.html`);
  writeFileSync(file, html);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${file}`);
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
    const charts = await page.locator('figure.chart svg').count();
    // Data marks: drawn lines, points and bars with real geometry.
    const marks = await page.locator('figure.chart svg .mark-line path, figure.chart svg .mark-symbol path, figure.chart svg .mark-rect path').evaluateAll(
      (els) => els.filter((e) => (e.getAttribute('d') ?? '').length > 10).length,
    );
    const requests = await page.evaluate(() => performance.getEntriesByType('resource').length);
    return { charts, marks, errors, requests };
  } finally {
    await browser.close();
  }
}

describe.skipIf(!haveChromium)('HTML reports in headless Chromium', () => {
  it('a run report (chaos) shows its charts with data, fault windows shaded, no errors, no network', async () => {
    const r = runScenario(refundsScenario, { seed: 1, overrides: { count: 5_000 }, faults: REFUND_FAULT_PRESETS.chaos, traceViolations: false });
    const seen = await openInChromium(await renderRunHtml(r), 'run-chaos');
    expect(seen.errors).toEqual([]);
    expect(seen.charts).toBe(2);
    expect(seen.marks).toBeGreaterThan(5);
    expect(seen.requests).toBe(0);
  });

  it('a run whose behaviours set gauges charts them over time (the dedup state of payments-dedup)', async () => {
    const r = runScenario(paymentsDedup, { seed: 1, overrides: { count: 3_000 }, faults: [{ kind: 'crash', actor: 'stream-job', atMs: 8_000, restartAfterMs: 1_000 }], traceViolations: false });
    const html = await renderRunHtml(r);
    expect(html).toContain('Gauges over virtual time');
    const seen = await openInChromium(html, 'run-gauges');
    expect(seen.errors).toEqual([]);
    expect(seen.charts).toBe(3);
  });

  it('a capacity report compares designs and a swept parameter, knee marked', async () => {
    const c = sweep([refundsScenario, refunds2pcScenario], { seed: 1, rates: [400, 3_000], sweep: { param: 'batchSizeMax', values: [100, 500] }, durationSec: 6, thresholds: parseThresholds('rmsResponse.p99<10000') });
    const html = await renderCapacityHtml(c);
    expect(html).toContain('knee <b>refunds (batchSizeMax 500)</b>: at least 3,000 refunds/s offered');
    const seen = await openInChromium(html, 'capacity');
    expect(seen.errors).toEqual([]);
    expect(seen.charts).toBe(3);
    expect(seen.marks).toBeGreaterThan(10);
  });
});
