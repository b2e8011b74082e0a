// @ts-check
/**
 * The site: static pages in dist/ that work from any static host. Set NETLINK_LAB_BASE (e.g.
 * "/netlink-lab/") to serve it from a sub-path; every internal link goes through src/course/url.ts.
 * NETLINK_LAB_DIST builds somewhere other than dist/ (the e2e tests and the bench read it too).
 */
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import { copyKernelWasm } from './src/plugins/copy-kernel-wasm.mjs';
import { rehypeTableWrap } from './src/plugins/rehype-table-wrap.mjs';

export default defineConfig({
  base: process.env.NETLINK_LAB_BASE ?? '/',
  outDir: process.env.NETLINK_LAB_DIST ?? 'dist',
  trailingSlash: 'ignore',
  build: { format: 'directory' },
  integrations: [mdx(), copyKernelWasm()],
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
