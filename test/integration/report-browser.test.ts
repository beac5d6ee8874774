/**
 * report.html in a real browser: Debian's Chromium, headless, driven by playwright-core. The page
 * comes from a realistic session (the real tuner against a synthetic mixed workload, with a memory
 * and a throughput guardrail hit: test/harness/tuned-session.ts) written by the same code as
 * `dbtune-agent embedded report`, and is opened from disk with the network unused.
 *
 * It must load without a console error or page error, request nothing but itself, draw exactly one
 * point per iteration (guardrail hits marked), and show the knob diff and the verdict. Two sessions:
 * the latency objective keeping its best, and TPS on a workload the knobs do not move, keeping the
 * baseline. Each page, its report.json and a full-page screenshot stay in
 * test-results/report-browser/<session>/ for inspection.
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
import type { PersistedState } from '../../src/embedded/platform/state-store.js';
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

interface Opened {
  readonly page: Page;
  readonly report: DemoReport;
  readonly html: string;
  readonly dir: string;
  /** Console errors and warnings, page errors. */
  readonly problems: string[];
  readonly requests: string[];
}

/** Write the session's reports to test-results/report-browser/<name>/ and open report.html. */
async function open(browser: Browser, name: string, state: PersistedState): Promise<Opened> {
  const dir = path.join(ARTIFACTS, name);
  mkdirSync(dir, { recursive: true });
  const files = writeSessionReports(dir, state, '0.0.0-test', new Date('2026-12-04T08:00:00.000Z'));
  const report = JSON.parse(readFileSync(files.json, 'utf8')) as DemoReport;
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(files.html).href, { waitUntil: 'load' });
  return { page, report, html: files.html, dir, problems, requests };
}

interface DrawnPoint {
  readonly iteration: number;
  readonly classes: string[];
  readonly cx: number;
  readonly cy: number;
  readonly visible: boolean;
}

/** The chart's points as laid out by the browser; each one visible and inside the plot. */
async function drawnPoints(o: Opened): Promise<DrawnPoint[]> {
  const points = o.page.locator('svg.chart circle.pt');
  const drawn = await points.evaluateAll((els) =>
    els.map((el) => {
      const box = el.getBoundingClientRect();
      return {
        iteration: Number(el.getAttribute('data-iteration')),
        classes: (el.getAttribute('class') ?? '').split(' '),
        cx: box.x + box.width / 2,
        cy: box.y + box.height / 2,
        visible: box.width > 0 && box.height > 0,
      };
    }),
  );
  const plot = await o.page.locator('svg.chart rect.plot').boundingBox();
  expect(plot).not.toBeNull();
  for (const p of drawn) {
    expect(p.visible).toBe(true);
    expect(p.cx).toBeGreaterThanOrEqual(plot!.x);
    expect(p.cx).toBeLessThanOrEqual(plot!.x + plot!.width);
    expect(p.cy).toBeGreaterThanOrEqual(plot!.y - 1);
    expect(p.cy).toBeLessThanOrEqual(plot!.y + plot!.height + 1);
  }
  // Left to right in iteration order.
  for (let i = 1; i < drawn.length; i++) expect(drawn[i]!.cx).toBeGreaterThan(drawn[i - 1]!.cx);
  return drawn;
}

async function screenshot(o: Opened): Promise<string> {
  const file = path.join(o.dir, 'report.png');
  await o.page.screenshot({ path: file, fullPage: true });
  expect(statSync(file).size).toBeGreaterThan(20_000);
  console.log(`report-browser: ${o.html} and its screenshot ${file}`);
  return file;
}

describe.skipIf(SKIP)('report.html in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    requireChromium();
    rmSync(ARTIFACTS, { recursive: true, force: true });
    // Chromium refuses to run as root without --no-sandbox (CI runs as root).
    const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  });

  afterAll(async () => {
    await browser?.close();
  });

  describe('a latency session that kept its best, with guardrail hits', () => {
    let o: Opened;
    beforeAll(async () => {
      o = await open(browser, 'latency-kept-best', tunedSessionState());
    });

    it('loads with no console or page error and requests nothing but itself', () => {
      expect(o.problems).toEqual([]);
      expect(o.requests).toEqual([pathToFileURL(o.html).href]);
    });

    it('the fixture is a session worth looking at: both kinds of guardrail hit, a kept best, a noise estimate', () => {
      const r = o.report;
      expect(r.iterations.length).toBeGreaterThanOrEqual(10);
      expect(r.iterations.some((it) => it.outcome === 'infeasible' && it.measurement === null)).toBe(true);
      expect(r.iterations.some((it) => it.outcome === 'infeasible' && it.measurement !== null)).toBe(true);
      expect(r.session.final_source).toBe('best');
      expect(r.session.noise_sd_pct).toBeGreaterThan(0);
      expect(r.knob_diff.length).toBeGreaterThan(0);
    });

    it('draws one visible point per iteration inside the plot, guardrail hits and the best marked', async () => {
      const r = o.report;
      await expect.poll(() => o.page.locator('svg.chart circle.pt').count()).toBe(r.iterations.length);
      const drawn = await drawnPoints(o);
      expect(drawn.map((p) => p.iteration)).toEqual(r.iterations.map((it) => it.iteration));
      const hits = r.iterations.filter((it) => it.outcome === 'infeasible').map((it) => it.iteration);
      expect(drawn.filter((p) => p.classes.includes('hit')).map((p) => p.iteration)).toEqual(hits);
      expect(await o.page.locator('svg.chart path.hit-mark').count()).toBe(hits.length);
      expect(await o.page.locator('svg.chart line.baseline').count()).toBe(1);
      expect(drawn.filter((p) => p.classes.includes('best')).map((p) => p.iteration)).toEqual([
        r.best!.iteration,
      ]);
      expect(await o.page.locator('svg.chart text.best-label').textContent()).toBe('best, kept');
    });

    it('shows the knob diff baseline → kept in SHOW units', async () => {
      const r = o.report;
      const rows = o.page.locator('#knob-diff tbody tr.knob');
      expect(await rows.count()).toBe(r.knob_diff.length);
      const first = r.knob_diff[0]!;
      const cells = await rows.first().locator('td').allTextContents();
      expect(cells.slice(0, 3)).toEqual([
        first.name,
        formatKnobValue(first.baseline!, first.unit),
        formatKnobValue(first.best!, first.unit),
      ]);
      expect(await o.page.locator('#knobs h2').textContent()).toBe(
        `Knobs changed: baseline → kept (iteration ${r.best!.iteration})`,
      );
    });

    it('states the verdict with its noise estimate', async () => {
      const r = o.report;
      const verdict = o.page.locator('#verdict');
      expect(await verdict.getAttribute('data-final')).toBe('best');
      expect(await verdict.locator('.headline').textContent()).toContain(
        `Kept the tuned configuration of iteration ${r.best!.iteration}`,
      );
      expect(await verdict.locator('dd.noise').textContent()).toContain(
        `±${r.session.noise_sd_pct!.toFixed(1)} % per iteration`,
      );
      expect(await o.page.title()).toBe(`dbtune-agent tuning report: ${r.objective_detail.label}`);
    });

    it('writes a full-page screenshot next to the report', async () => {
      await screenshot(o);
    });
  });

  describe('a TPS session on a workload the knobs do not move, which kept the baseline', () => {
    let o: Opened;
    beforeAll(async () => {
      o = await open(browser, 'tps-kept-baseline', tunedSessionState({ objective: 'tps', effect: 0 }));
    });

    it('loads cleanly, one point per iteration, the baseline kept and the best shown as not kept', async () => {
      const r = o.report;
      expect(o.problems).toEqual([]);
      expect(o.requests).toEqual([pathToFileURL(o.html).href]);
      expect(r.session.final_source).toBe('baseline');
      const drawn = await drawnPoints(o);
      expect(drawn.map((p) => p.iteration)).toEqual(r.iterations.map((it) => it.iteration));
      expect(await o.page.locator('svg.chart text.best-label').textContent()).toBe('best');
      expect(await o.page.locator('#verdict').getAttribute('data-final')).toBe('baseline');
      expect(await o.page.locator('#verdict .headline').textContent()).toMatch(
        /^Kept the baseline configuration: the best tuned one, iteration \d+ with throughput [\d.]+ % (higher \(better\)|lower \(worse\)), did not beat it by more than the noise\.$/,
      );
      expect(await o.page.locator('#knob-diff tbody tr.knob').count()).toBe(r.knob_diff.length);
      expect(await o.page.locator('#knobs h2').textContent()).toMatch(/, not kept$/);
      expect(await o.page.locator('svg.chart').getAttribute('aria-label')).toBe(
        'TPS per iteration (higher is better)',
      );
      await screenshot(o);
    });
  });
});
