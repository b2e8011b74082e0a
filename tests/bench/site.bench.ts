/**
 * The lesson page in Chromium, on the built site (dist/): how soon the playground can run, how much
 * JavaScript the page loads before the learner does anything, and how soon Run shows output.
 * Targets: ready within 1 s, first output within 100 ms of Run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openSite, SITE_DIR } from '../e2e/browser.ts';

const ROUNDS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The first lesson page in the built site that has a playground. */
function lessonWithPlayground(): string {
  const html = readFileSync(join(SITE_DIR, 'lessons', 'index.html'), 'utf8');
  const paths = [...html.matchAll(/href="([^"]*\/lessons\/[^"#]+\/[^"#]+\/)"/g)].map((m) => new URL(m[1]!, 'http://x').pathname);
  for (const p of paths) {
    if (readFileSync(join(SITE_DIR, p, 'index.html'), 'utf8').includes('data-playground')) return p;
  }
  throw new Error('No lesson page in dist/ has a playground ([data-playground]). Build the site with `npm run build` after the playground exists.');
}

export default async function (): Promise<void> {
  const path = lessonWithPlayground();
  const site = await openSite();
  try {
    const ready: number[] = [];
    const firstOutput: number[] = [];
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
        jsGzip = js.reduce((n, r) => n + gzipSync(readFileSync(join(SITE_DIR, r.path.slice(site.server.base.length)))).length, 0);
      }
      const output = page.locator('[data-playground] [data-output]').first();
      const ms = await page.evaluate(() => new Promise<number>((resolve, reject) => {
        const out = document.querySelector('[data-playground] [data-output]')!;
        const run = document.querySelector<HTMLButtonElement>('[data-playground] [data-action="run"]')!;
        const t0 = performance.now();
        const obs = new MutationObserver(() => {
          if (out.querySelector('.pg-empty')) return;
          if ((out.textContent ?? '').trim()) { obs.disconnect(); resolve(performance.now() - t0); }
        });
        obs.observe(out, { childList: true, subtree: true, characterData: true });
        setTimeout(() => { obs.disconnect(); reject(new Error('no output within 10 s of Run')); }, 10_000);
        run.click();
      }));
      firstOutput.push(ms);
      await output.waitFor();
      await page.context().close();
    }
    console.log(`site.playground_ready: ${median(ready)} ms`);
    console.log(`site.js_before_interaction: ${jsBytes} bytes`);
    console.log(`site.js_before_interaction_gzip: ${jsGzip} bytes`);
    console.log(`site.run_to_first_output: ${median(firstOutput).toFixed(1)} ms`);
    console.log(`site.playground_ready_target_met: ${median(ready) <= 1000 ? 1 : 0} bool`);
    console.log(`site.first_output_target_met: ${median(firstOutput) <= 100 ? 1 : 0} bool`);
  } finally {
    await site.close();
  }
}
