// @ts-check
/**
 * The site: static pages in dist/ that work from any static host. Set NETLINK_LAB_BASE (e.g.
 * "/netlink-lab/") to serve it from a sub-path; every internal link goes through src/course/url.ts.
 * NETLINK_LAB_DIST builds somewhere other than dist/ (the e2e tests and the bench read it too).
 */
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import AstroPWA from '@vite-pwa/astro';
import { copyKernelWasm } from './src/plugins/copy-kernel-wasm.mjs';
import { rehypeTableWrap } from './src/plugins/rehype-table-wrap.mjs';

export default defineConfig({
  base: process.env.NETLINK_LAB_BASE ?? '/',
  outDir: process.env.NETLINK_LAB_DIST ?? 'dist',
  trailingSlash: 'ignore',
  build: { format: 'directory' },
  integrations: [
    mdx(),
    copyKernelWasm(),
    AstroPWA({
      // A service worker (Workbox) so that a lesson visited once works offline, its kernel included.
      // Base.astro registers it once the page (and a lesson's playground) is ready, so its precache
      // never delays what the learner waits for.
      injectRegister: false,
      registerType: 'autoUpdate',
      manifest: false,
      workbox: {
        // Hashed assets (they never change under a name) are precached; pages and the kernel, whose
        // names stay across builds, are always fetched from the network when there is one, so a new
        // build is never hidden behind a cached one.
        globPatterns: ['_astro/**/*.{js,css,woff2,svg}'],
        // The terminal needs its relay (a network) anyway.
        globIgnores: ['_astro/xterm-view*', '_astro/*xterm*'],
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        navigateFallback: null,
        clientsClaim: true,
        skipWaiting: true,
        cleanupOutdatedCaches: true,
        runtimeCaching: [
          {
            urlPattern: ({ request }) => request.mode === 'navigate',
            handler: 'NetworkFirst',
            options: { cacheName: 'netlink-lab-pages', networkTimeoutSeconds: 4, expiration: { maxEntries: 200 } },
          },
          {
            urlPattern: /\/kernel\/[^/]+\.wasm$/,
            handler: 'NetworkFirst',
            options: { cacheName: 'netlink-lab-kernel', networkTimeoutSeconds: 4 },
          },
        ],
      },
    }),
  ],
  markdown: {
    rehypePlugins: [rehypeTableWrap],
    shikiConfig: {
      themes: { light: 'github-light-default', dark: 'github-dark-default' },
      defaultColor: false,
      wrap: false,
    },
  },
  vite: {
    server: { fs: { allow: ['.'] } },
  },
});
