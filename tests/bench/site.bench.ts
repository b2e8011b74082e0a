/**
 * The lesson page in Chromium, on the built site (dist/): how soon the playground can run, how much
 * JavaScript the page loads before the learner does anything, and how soon Run shows output — from
 * the click to the first output line painted (the frame after it entered the page), for the first
 * Run on a fresh page (cold) and for a second Run (warm). Builds the site first when dist/ is
 * missing (a clean clone). Targets: ready within 1 s, first output within 100 ms of Run.
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openSite, SITE_DIR } from '../e2e/browser.ts';

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

/** Click Run and resolve with the ms until the first output line was painted. */
const clickToPaint = () =>
  new Promise<number>((resolve, reject) => {
    const out = document.querySelector('[data-playground] [data-output]')!;
    const run = document.querySelector<HTMLButtonElement>('[data-playground] [data-action="run"]')!;
    const obs = new MutationObserver(() => {
      if (!out.querySelector('.pg-line:not(.pg-system)')) return;
      obs.disconnect();
      // The line is in the DOM; it is on screen once the next frame has been produced.
      requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
    });
    obs.observe(out, { childList: true, subtree: true, characterData: true });
    setTimeout(() => {
      obs.disconnect();
      reject(new Error('no output within 10 s of Run'));
    }, 10_000);
    const t0 = performance.now();
    run.click();
  });

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
      firstOutput.push(await page.evaluate(clickToPaint));
      // Warm: the same page, once the first run ended and the next worker is ready.
      await page.waitForFunction(
        () => !document.querySelector('[data-playground]')?.hasAttribute('data-running'),
        undefined,
        { timeout: 30_000 },
      );
      await page.waitForTimeout(1500);
      warm.push(await page.evaluate(clickToPaint));
      await page.context().close();
    }
    console.log(`site.playground_ready: ${median(ready)} ms`);
    console.log(`site.js_before_interaction: ${jsBytes} bytes`);
    console.log(`site.js_before_interaction_gzip: ${jsGzip} bytes`);
    console.log(`site.run_to_first_output: ${median(firstOutput).toFixed(1)} ms`);
    console.log(`site.click_to_first_line_painted_cold: ${median(firstOutput).toFixed(1)} ms`);
    console.log(`site.click_to_first_line_painted_warm: ${median(warm).toFixed(1)} ms`);
    console.log(`site.playground_ready_target_met: ${median(ready) <= 1000 ? 1 : 0} bool`);
    console.log(`site.first_output_target_met: ${median(firstOutput) <= 100 && median(warm) <= 100 ? 1 : 0} bool`);
  } finally {
    await site.close();
  }
}
