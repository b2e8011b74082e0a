import { describe, expect, it } from 'vitest';
import { ERRNO, ErrnoError, errnoName, strerror } from './errno.ts';

describe('errno', () => {
  it('uses the x86-64 Linux numbers', () => {
    expect(ERRNO.EADDRINUSE).toBe(98);
    expect(ERRNO.ECONNREFUSED).toBe(111);
    expect(ERRNO.ENOBUFS).toBe(105);
    expect(ERRNO.ESOCKTNOSUPPORT).toBe(94);
    expect(errnoName(-61)).toBe('ENODATA');
    expect(strerror(90)).toBe('Message too long');
  });

  it('ErrnoError carries errno, code and syscall, from a negative kernel return too', () => {
    const e = new ErrnoError('bind', -98);
    expect(e).toBeInstanceOf(Error);
    expect([e.errno, e.code, e.syscall]).toEqual([98, 'EADDRINUSE', 'bind']);
    expect(e.message).toBe('bind: EADDRINUSE (Address already in use)');
  });
});
