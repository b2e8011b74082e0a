// @ts-check
/**
 * The site: static pages in dist/ that work from any static host. Set NETLINK_LAB_BASE (e.g.
 * "/netlink-lab/") to serve it from a sub-path; every internal link goes through src/components/site/url.ts.
 */
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import { copyKernelWasm } from './src/components/site/copy-kernel-wasm.mjs';

export default defineConfig({
  base: process.env.NETLINK_LAB_BASE ?? '/',
  trailingSlash: 'ignore',
  build: { format: 'directory' },
  integrations: [mdx(), copyKernelWasm()],
  markdown: {
    shikiConfig: {
      themes: { light: 'github-light', dark: 'github-dark' },
      defaultColor: false,
      wrap: false,
    },
  },
  vite: {
    server: { fs: { allow: ['.'] } },
  },
});
