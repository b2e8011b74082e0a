import { defineConfig } from 'vitest/config';

// Unit tests beside their sources, and what crosses modules in tests/ (the browser end-to-end and
// VM suites have their own configs: tests/e2e/vitest.config.ts, tests/vm/vitest.config.ts,
// tests/v86/vitest.config.ts).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'sandboxes/**/*.test.ts', 'tests/**/*.test.ts'],
    exclude: ['node_modules/**', 'tests/e2e/**', 'tests/vm/**', 'tests/v86/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
