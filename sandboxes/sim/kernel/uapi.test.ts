// The kernel's copy of the uapi constants (AssemblyScript, but plain enough for TypeScript to load)
// must agree with the user-space API's: a difference would make the simulator lie.
import { describe, expect, it } from 'vitest';
import * as kernel from './include/uapi/linux/netlink.ts';
import * as errnoK from './include/uapi/asm-generic/errno.ts';
import * as user from '../../../src/api/uapi.ts';
import { ERRNO } from '../../../src/api/errno.ts';

describe('uapi constants', () => {
  it('every constant the kernel defines has the value src/api/uapi.ts gives it', () => {
    const names = Object.keys(kernel);
    expect(names.length).toBeGreaterThan(50);
    for (const name of names) {
      expect(name in user, `${name} is missing from src/api/uapi.ts`).toBe(true);
      expect((kernel as Record<string, unknown>)[name], name).toBe((user as Record<string, unknown>)[name]);
    }
  });

  it('errno values match src/api/errno.ts', () => {
    for (const [name, value] of Object.entries(errnoK)) {
      if (name === 'ERESTARTSYS') continue; // kernel-internal, never seen by user space
      expect((ERRNO as Record<string, number>)[name], name).toBe(value);
    }
  });
});
