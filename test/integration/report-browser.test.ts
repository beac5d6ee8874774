/**
 * report.html in a real browser: Debian's Chromium, headless, driven by playwright-core. The page
 * comes from a realistic session (the real tuner against a synthetic mixed workload, with a memory
 * and a throughput guardrail hit: test/harness/tuned-session.ts) written by the same code as
 * `dbtune-agent embedded report`, and is opened from disk with the network unused.
 *
 * It must load without a console error or page error, request nothing but itself, draw exactly one
 * point per iteration (guardrail hits marked), and show the knob diff and the verdict. The page,
 * report.json and a full-page screenshot stay in test-results/report-browser/ for inspection.
 *
 * Chromium is required: a missing browser fails this file with the install command. Developers
 * without one can set DBT_TEST_NO_BROWSER=1 to skip it (README, Development); CI ignores that.
 * DBT_TEST_CHROMIUM names another Chromium or Chrome binary.
 */
import { accessSync, constants, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatKnobValue } from '../../src/embedded/demo/knob-format.js';
import type { DemoReport } from '../../src/embedded/demo/report-json.js';
import { writeSessionReports } from '../../src/embedded/session-report.js';
import { tunedSessionState } from '../harness/tuned-session.js';

const CHROMIUM = process.env.DBT_TEST_CHROMIUM ?? '/usr/bin/chromium';
const SKIP = process.env.DBT_TEST_NO_BROWSER === '1' && !process.env.CI;
const ARTIFACTS = path.resolve('test-results', 'report-browser');

function requireChromium(): void {
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    throw new Error(
      `report-browser: no Chromium at ${CHROMIUM}. Install it (Debian/Ubuntu, as root: ` +
        `apt-get install -y --no-install-recommends chromium), or set DBT_TEST_CHROMIUM to a ` +
        `Chromium/Chrome binary, or set DBT_TEST_NO_BROWSER=1 to skip this file (not under CI).`,
    );
  }
}

describe.skipIf(SKIP)('report.html in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let report: DemoReport;
  let htmlFile: string;
  const problems: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    requireChromium();
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    const now = new Date('2026-12-04T08:00:00.000Z');
    const files = writeSessionReports(ARTIFACTS, tunedSessionState(), '0.0.0-test', now);
    htmlFile = files.html;
    report = JSON.parse(readFileSync(files.json, 'utf8')) as DemoReport;
    // Chromium refuses to run as root without --no-sandbox (CI runs as root).
    const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads with no console or page error and requests nothing but itself', () => {
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(htmlFile).href]);
  });

  it('the fixture is a session worth looking at: guardrail hits, a kept best, a noise estimate', () => {
    expect(report.iterations.length).toBeGreaterThanOrEqual(10);
    expect(report.iterations.some((it) => it.outcome === 'infeasible' && it.measurement === null)).toBe(true);
    expect(report.iterations.some((it) => it.outcome === 'infeasible' && it.measurement !== null)).toBe(true);
    expect(report.session.final_source).toBe('best');
    expect(report.session.noise_sd_pct).toBeGreaterThan(0);
    expect(report.knob_diff.length).toBeGreaterThan(0);
  });

  it('draws one visible point per iteration inside the plot, guardrail hits marked', async () => {
    const points = page.locator('svg.chart circle.pt');
    await expect.poll(() => points.count()).toBe(report.iterations.length);
    const drawn = await points.evaluateAll((els) =>
      els.map((el) => {
        const box = el.getBoundingClientRect();
        return {
          iteration: Number(el.getAttribute('data-iteration')),
          classes: el.getAttribute('class') ?? '',
          cx: box.x + box.width / 2,
          cy: box.y + box.height / 2,
          visible: box.width > 0 && box.height > 0,
        };
      }),
    );
    expect(drawn.map((p) => p.iteration)).toEqual(report.iterations.map((it) => it.iteration));
    expect(drawn.every((p) => p.visible)).toBe(true);
    const plot = await page.locator('svg.chart rect.plot').boundingBox();
    expect(plot).not.toBeNull();
    for (const p of drawn) {
      expect(p.cx).toBeGreaterThanOrEqual(plot!.x);
      expect(p.cx).toBeLessThanOrEqual(plot!.x + plot!.width);
      expect(p.cy).toBeGreaterThanOrEqual(plot!.y - 1);
      expect(p.cy).toBeLessThanOrEqual(plot!.y + plot!.height + 1);
    }
    // Left to right in iteration order.
    for (let i = 1; i < drawn.length; i++) expect(drawn[i]!.cx).toBeGreaterThan(drawn[i - 1]!.cx);
    const hits = report.iterations.filter((it) => it.outcome === 'infeasible').map((it) => it.iteration);
    expect(drawn.filter((p) => p.classes.split(' ').includes('hit')).map((p) => p.iteration)).toEqual(hits);
    expect(await page.locator('svg.chart path.hit-mark').count()).toBe(hits.length);
    expect(await page.locator('svg.chart line.baseline').count()).toBe(1);
    const best = drawn.filter((p) => p.classes.split(' ').includes('best'));
    expect(best.map((p) => p.iteration)).toEqual([report.best!.iteration]);
    await expect.poll(() => page.locator('svg.chart text.best-label').textContent()).toBe('best, kept');
  });

  it('shows the knob diff baseline → kept in SHOW units', async () => {
    const rows = page.locator('#knob-diff tbody tr.knob');
    expect(await rows.count()).toBe(report.knob_diff.length);
    const first = report.knob_diff[0]!;
    const cells = await rows.first().locator('td').allTextContents();
    expect(cells.slice(0, 3)).toEqual([
      first.name,
      formatKnobValue(first.baseline!, first.unit),
      formatKnobValue(first.best!, first.unit),
    ]);
    const heading = await page.locator('#knobs h2').textContent();
    expect(heading).toBe(`Knobs changed: baseline → kept (iteration ${report.best!.iteration})`);
  });

  it('states the verdict with its noise estimate', async () => {
    const verdict = page.locator('#verdict');
    expect(await verdict.getAttribute('data-final')).toBe('best');
    expect(await verdict.locator('.headline').textContent()).toContain(
      `Kept the tuned configuration of iteration ${report.best!.iteration}`,
    );
    expect(await verdict.locator('dd.noise').textContent()).toContain(
      `±${report.session.noise_sd_pct!.toFixed(1)} % per iteration`,
    );
    expect(await page.title()).toBe(`dbtune-agent tuning report: ${report.objective_detail.label}`);
  });

  it('writes a full-page screenshot next to the report', async () => {
    const file = path.join(ARTIFACTS, 'report.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(20_000);
    console.log(`report-browser: ${htmlFile} and its screenshot ${file}`);
  });
});
