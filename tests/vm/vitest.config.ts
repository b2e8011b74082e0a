import { defineConfig } from 'vitest/config';

// Tests that boot QEMU VMs (TCG: a few seconds per boot, slower when several boot at once on a
// small machine). One file at a time: each starts its own VMs, and the files compare their own
// VMs' processes before and after.
export default defineConfig({
  test: {
    include: ['tests/vm/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
