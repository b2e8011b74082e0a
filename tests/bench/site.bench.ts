/**
 * The lesson page in Chromium, on the built site (dist/): how soon the playground can run, how much
 * JavaScript the page loads before the learner does anything, and how soon Run shows output — from
 * the click to the first output line painted (the frame that first showed it presented; see arm()),
 * for the first Run on a fresh page (cold) and for a second Run (warm). Builds the site first when dist/ is
 * missing (a clean clone). Targets: ready within 1 s, first output within 100 ms of Run.
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openSite, SITE_DIR, type TestPage } from '../e2e/browser.ts';

const ROUNDS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The first lesson page in the built site that has a playground. */
function lessonWithPlayground(): string {
  const html = readFileSync(join(SITE_DIR, 'lessons', 'index.html'), 'utf8');
  const paths = [...html.matchAll(/href="([^"]*\/lessons\/[^"#]+\/[^"#]+\/)"/g)].map(
    (m) => new URL(m[1]!, 'http://x').pathname,
  );
  for (const p of paths) {
    if (readFileSync(join(SITE_DIR, p, 'index.html'), 'utf8').includes('data-playground')) return p;
  }
  throw new Error(
    'No lesson page in dist/ has a playground ([data-playground]). Build the site with `npm run build` after the playground exists.',
  );
}

/** What one Run took, in ms from the click (the click event's own time stamp). */
interface RunTiming {
  /** The frame that first showed a line of the program's output was presented (Element Timing). */
  painted: number;
  /** The line entered the page. */
  inDom: number;
}

/**
 * Get ready to time the next click on Run: from the click — its event's time stamp, the moment the
 * browser got the input, so time the page takes to get to the click handler counts too — until the
 * first line of the program's own output (not a system note) is painted. "Painted" is the Element
 * Timing API's renderTime of that line: when the frame that first drew it was presented. The line is
 * marked for Element Timing as it enters the page (a mutation observer runs before the next paint).
 * A line that is never painted (say, scrolled out of view) times out: the learner did not see it.
 */
const arm = () => {
  const w = window as unknown as { __runTiming?: Promise<RunTiming> };
  w.__runTiming = new Promise<RunTiming>((resolve, reject) => {
    const out = document.querySelector('[data-playground] [data-output]')!;
    const run = document.querySelector<HTMLButtonElement>('[data-playground] [data-action="run"]')!;
    let clickAt: number | undefined;
    let inDomAt: number | undefined;
    run.addEventListener('click', (e) => (clickAt ??= e.timeStamp), { capture: true, once: true });
    const po = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const entry = e as PerformanceEntry & { identifier?: string; renderTime?: number };
        if (entry.identifier !== 'netlink-lab-first-line' || clickAt === undefined || inDomAt === undefined) continue;
        po.disconnect();
        resolve({ painted: entry.renderTime! - clickAt, inDom: inDomAt - clickAt });
      }
    });
    po.observe({ type: 'element', buffered: true });
    const obs = new MutationObserver(() => {
      const line = out.querySelector('.pg-line:not(.pg-system)');
      if (!line) return;
      obs.disconnect();
      inDomAt = performance.now();
      for (const el of [line, ...line.querySelectorAll('*')])
        el.setAttribute('elementtiming', 'netlink-lab-first-line');
    });
    obs.observe(out, { childList: true, subtree: true, characterData: true });
    setTimeout(() => {
      obs.disconnect();
      po.disconnect();
      reject(
        new Error(
          inDomAt === undefined
            ? 'no output within 10 s of Run'
            : 'the first output line entered the page but was never painted (is the output in view?)',
        ),
      );
    }, 10_000);
  });
};

/** Click Run as a person does (the browser's input path, not a script's click()) and time it. */
async function timeRun(page: TestPage): Promise<RunTiming> {
  await page.evaluate(arm);
  await page.click('[data-playground] [data-action="run"]');
  return page.evaluate(() => (window as unknown as { __runTiming: Promise<RunTiming> }).__runTiming);
}

export default async function (): Promise<void> {
  if (!existsSync(join(SITE_DIR, 'index.html'))) {
    console.error(`${SITE_DIR}/index.html is missing: building the site first (npm run build).`);
    execSync('npm run build', { stdio: 'inherit' });
  }
  const path = lessonWithPlayground();
  const site = await openSite();
  try {
    const ready: number[] = [];
    const firstOutput: number[] = [];
    const warm: number[] = [];
    const coldDom: number[] = [];
    const warmDom: number[] = [];
    let jsBytes = 0;
    let jsGzip = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const page = await site.page({ viewport: { width: 1440, height: 1000 } });
      const before = site.server.requests.length;
      const start = Date.now();
      await page.goto(site.url(path), { waitUntil: 'commit' });
      await page.waitForSelector('[data-playground][data-ready="true"]', { timeout: 30_000 });
      ready.push(Date.now() - start);
      if (i === 0) {
        // Everything JavaScript fetched up to readiness, before any interaction.
        const js = site.server.requests.slice(before).filter((r) => /\.m?js$/.test(r.path) && r.status === 200);
        jsBytes = js.reduce((n, r) => n + r.bytes, 0);
        jsGzip = js.reduce(
          (n, r) => n + gzipSync(readFileSync(join(SITE_DIR, r.path.slice(site.server.base.length)))).length,
          0,
        );
      }
      const cold = await timeRun(page);
      firstOutput.push(cold.painted);
      coldDom.push(cold.inDom);
      // Warm: the same page, once the first run ended and the next worker is ready.
      await page.waitForFunction(
        () => !document.querySelector('[data-playground]')?.hasAttribute('data-running'),
        undefined,
        { timeout: 30_000 },
      );
      await page.waitForTimeout(1500);
      const second = await timeRun(page);
      warm.push(second.painted);
      warmDom.push(second.inDom);
      await page.context().close();
    }
    console.log(`site.playground_ready: ${median(ready)} ms`);
    console.log(`site.js_before_interaction: ${jsBytes} bytes`);
    console.log(`site.js_before_interaction_gzip: ${jsGzip} bytes`);
    console.log(`site.run_to_first_output: ${median(firstOutput).toFixed(1)} ms`);
    console.log(`site.click_to_first_line_painted_cold: ${median(firstOutput).toFixed(1)} ms`);
    console.log(`site.click_to_first_line_painted_warm: ${median(warm).toFixed(1)} ms`);
    console.log(`site.click_to_first_line_in_dom_cold: ${median(coldDom).toFixed(1)} ms`);
    console.log(`site.click_to_first_line_in_dom_warm: ${median(warmDom).toFixed(1)} ms`);
    console.log(`site.click_to_first_line_painted_cold_rounds: ${firstOutput.map((x) => x.toFixed(0)).join(' ')} ms`);
    console.log(`site.click_to_first_line_painted_warm_rounds: ${warm.map((x) => x.toFixed(0)).join(' ')} ms`);
    console.log(`site.playground_ready_target_met: ${median(ready) <= 1000 ? 1 : 0} bool`);
    console.log(`site.first_output_target_met: ${median(firstOutput) <= 100 && median(warm) <= 100 ? 1 : 0} bool`);
  } finally {
    await site.close();
  }
}
