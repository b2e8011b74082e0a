import { defineConfig } from 'vitest/config';

// Browser end-to-end tests: they need the built site (`npm run build`) and Chromium
// (`apt-get install chromium`). One file at a time: each launches its own browser on 2 cores.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
