/**
 * What every browser test uses: Debian's Chromium through playwright-core, and the built site
 * (dist/) served on 127.0.0.1 by a small static server, as any static host would serve it.
 *
 *   const site = await openSite();            // serve dist/ and launch Chromium
 *   const page = await site.page();           // a fresh page (own context) that records errors
 *   await page.goto(site.url('/lessons/'));
 *   …
 *   await site.close();
 */
import { createServer, type Server } from 'node:http';
import { existsSync, statSync, createReadStream } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/** The built site: dist/, or NETLINK_LAB_DIST when the site was built elsewhere. */
export const SITE_DIR = process.env.NETLINK_LAB_DIST ?? 'dist';

/** Where Debian installs Chromium (`apt-get install chromium`); override with CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
  '.pf_meta': 'application/octet-stream',
  '.pf_index': 'application/octet-stream',
  '.pf_fragment': 'application/octet-stream',
  '.pagefind': 'application/octet-stream',
  '.xml': 'application/xml',
};

/** A running static server for a folder, mounted at `base` ("/" or "/sub/path/"). */
export interface StaticServer {
  origin: string;
  base: string;
  close(): Promise<void>;
  requests: { path: string; status: number; bytes: number }[];
}

/**
 * Serve `dir` like a plain static host: files as they are, a folder as its index.html, a folder
 * without its trailing slash redirected to it, anything else 404 with dir/404.html.
 */
export async function serveStatic(dir = SITE_DIR, base = '/'): Promise<StaticServer> {
  const root = resolve(dir);
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(
      `${root}/index.html does not exist: build the site first with \`npm run build\` (astro build, then pagefind --site dist).`,
    );
  }
  const requests: StaticServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const record = (status: number, bytes: number) => requests.push({ path: url.pathname, status, bytes });
    const notFound = () => {
      const page = join(root, '404.html');
      res.writeHead(404, { 'content-type': MIME['.html']! });
      if (existsSync(page)) createReadStream(page).pipe(res);
      else res.end('not found');
      record(404, 0);
    };
    if (!url.pathname.startsWith(base)) return notFound();
    const rel = decodeURIComponent(url.pathname.slice(base.length));
    let file = normalize(join(root, rel));
    if (file !== root && !file.startsWith(root + sep)) return notFound();
    if (existsSync(file) && statSync(file).isDirectory()) {
      if (!url.pathname.endsWith('/')) {
        res.writeHead(301, { location: `${url.pathname}/${url.search}` });
        res.end();
        record(301, 0);
        return;
      }
      file = join(file, 'index.html');
    }
    if (!existsSync(file) || !statSync(file).isFile()) return notFound();
    const size = statSync(file).size;
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': 'no-cache',
    });
    createReadStream(file).pipe(res);
    record(200, size);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('static server: no TCP address');
  return {
    origin: `http://127.0.0.1:${addr.port}`,
    base,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/**
 * Launch headless Chromium. playwright-core gives every launch a fresh temporary profile
 * (its own --user-data-dir, deleted on close), so no state leaks between runs.
 */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` (npm test does this as root via scripts/system-deps.mjs), or set CHROMIUM_PATH.`,
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return { browser, close: () => browser.close() };
}

/** A page that remembers console errors and uncaught exceptions. */
export interface TestPage extends Page {
  errors: string[];
}

/** The built site in a browser. */
export interface Site {
  browser: Browser;
  server: StaticServer;
  /** The full URL of a site path ("/lessons/"), under the server's base. */
  url(path: string): string;
  /** A new page in its own context (fresh storage), recording errors. */
  page(options?: BrowserContextOptions): Promise<TestPage>;
  close(): Promise<void>;
}

/** Serve dist/ and launch Chromium. */
export async function openSite(opts: { dir?: string; base?: string } = {}): Promise<Site> {
  const server = await serveStatic(opts.dir ?? SITE_DIR, opts.base ?? process.env.NETLINK_LAB_BASE ?? '/');
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  try {
    chrome = await launchChromium();
  } catch (e) {
    await server.close();
    throw e;
  }
  const contexts: { close(): Promise<void> }[] = [];
  return {
    browser: chrome.browser,
    server,
    url: (path) => `${server.origin}${server.base.replace(/\/$/, '')}/${path.replace(/^\//, '')}`,
    async page(options) {
      const ctx = await chrome.browser.newContext(options);
      contexts.push(ctx);
      const page = (await ctx.newPage()) as TestPage;
      page.errors = [];
      page.on('console', (m) => {
        if (m.type() === 'error') page.errors.push(`console: ${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (e) => page.errors.push(`uncaught: ${e.message}`));
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await chrome.close();
      await server.close();
    },
  };
}
