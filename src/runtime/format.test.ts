import { describe, expect, it } from 'vitest';
import { errorLocation, formatArgs, inspect } from './format.ts';

describe('formatArgs', () => {
  it('prints strings bare and other values like Node', () => {
    expect(formatArgs(['fd', 3, 'ok', true, null, undefined, 12n])).toBe('fd 3 ok true null undefined 12n');
    expect(formatArgs([{ nl_family: 16, nl_pid: 100, name: 'x' }])).toBe('{ nl_family: 16, nl_pid: 100, name: "x" }');
    expect(formatArgs([[1, 'a']])).toBe('[ 1, "a" ]');
  });

  it('shows byte arrays in hex and cuts long ones', () => {
    expect(formatArgs([new Uint8Array([0x20, 0, 0x10])])).toBe('Uint8Array(3) [ 20 00 10 ]');
    expect(inspect(new Uint8Array(100))).toMatch(/^Uint8Array\(100\) \[ (00 ){64}… 36 more \]$/);
  });

  it('fills in a format string', () => {
    expect(formatArgs(['%s got %d bytes (%o)', 'fd 3', 36, { n: 1 }, 'extra'])).toBe(
      'fd 3 got 36 bytes ({ n: 1 }) extra',
    );
    expect(formatArgs(['100%% done'])).toBe('100% done');
  });

  it('prints errors as name and message, and survives cycles', () => {
    expect(formatArgs([new RangeError('too far')])).toBe('RangeError: too far');
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    expect(inspect(a)).toBe('{ x: 1, self: [Circular] }');
  });
});

describe('errorLocation', () => {
  it('gives the source line of an error thrown in code compiled into a function', async () => {
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
      ...a: string[]
    ) => () => Promise<void>;
    const run = new AsyncFunction('require', "const a = 1;\n\nthrow new Error('line 3');\n//# sourceURL=main.ts");
    const e = await run().catch((x: unknown) => x);
    expect(errorLocation(e, ['main.ts'])).toMatchObject({ file: 'main.ts', line: 3 });
  });

  it('finds the first frame in a learner file', () => {
    const e = new Error('boom');
    e.stack = 'Error: boom\n    at f (blob:x/worker.js:10:5)\n    at eval (main.ts:14:9)\n    at module.ts:3:1';
    expect(errorLocation(e, ['main.ts', 'module.ts'])).toEqual({ file: 'main.ts', line: 12, column: 9 });
    expect(errorLocation(e, ['other.ts'])).toBeUndefined();
  });
});
