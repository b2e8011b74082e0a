import { defineConfig } from 'vitest/config';

// The in-browser kernel (v86) under Node: each test restores the saved state (public/v86, built by
// `npm run v86:build`) into a fresh machine. v86 is one emulator thread per machine: one file at a time.
export default defineConfig({
  test: {
    include: ['tests/v86/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
