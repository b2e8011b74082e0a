/**
 * The sandbox the class server re-runs student code in (src/server/sandbox.ts): a program sees
 * no Node API; the process it runs in can read no file, start no process or worker, and reach no
 * address (the probes run code with the process's own `require`, to show the second layer holds
 * when the first is passed); it is stopped at its time and memory limits; and nothing it prints
 * or sends is taken for a verdict.
 */
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkIsolation, runInSandbox } from '../../src/server/sandbox.ts';
import { kernelWasm, verify } from '../../src/server/verify.ts';
import { loadCourse } from '../../src/server/course.ts';

type ProgramOut = { output: string; exit: { status: string; error?: string } };
const program = (code: string, limits = { timeoutMs: 20_000, memoryMB: 256 }) =>
  runInSandbox<ProgramOut>(
    { kind: 'program', wasm: kernelWasm(), files: { 'main.ts': code }, entry: 'main.ts', maxLines: 100 },
    limits,
  );
const probe = (code: string) =>
  runInSandbox<{ result: unknown }>({ kind: 'probe', code }, { timeoutMs: 20_000, memoryMB: 256 });

describe('the verification sandbox', () => {
  it('gives a program no Node API, only netlink-lab and the language', async () => {
    const r = await program(`
      const tries: Record<string, () => unknown> = {
        process: () => (globalThis as any).process.pid,
        'Function constructor': () => new Function('return process')().pid,
        'constructor chain': () => (console.log as any).constructor('return process')().pid,
        fetch: () => (globalThis as any).fetch('http://127.0.0.1:1/'),
        'require fs': () => require('fs'),
        'require child_process': () => require('child_process'),
        'global require': () => (globalThis as any).require('fs'),
        WebSocket: () => new (globalThis as any).WebSocket('ws://127.0.0.1:1/'),
      };
      for (const [name, f] of Object.entries(tries)) {
        try { const v = f(); console.log(name + ': REACHED ' + typeof v); } catch (e) { console.log(name + ': blocked (' + (e as Error).name + ')'); }
      }
      const { socket, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE } = await import('netlink-lab/user');
      console.log('netlink socket fd ' + await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
    `);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const out = r.value.output;
    expect(out).not.toContain('REACHED');
    for (const name of [
      'process',
      'Function constructor',
      'constructor chain',
      'fetch',
      'require fs',
      'require child_process',
      'global require',
      'WebSocket',
    ])
      expect(out).toContain(`${name}: blocked`);
    expect(out).toMatch(/netlink socket fd \d+/);
  }, 60_000);

  it('cannot read files, start processes or workers, or reach the network even past that', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'class-secret-'));
    writeFileSync(join(dir, 'db'), 'teacher tokens');
    let connections = 0;
    const listener = createServer((c) => {
      connections++;
      c.destroy();
    });
    await new Promise<void>((ok) => listener.listen(0, '127.0.0.1', ok));
    const port = (listener.address() as { port: number }).port;
    try {
      const r = await probe(`
        const out = {};
        const t = async (name, f) => { try { await f(); out[name] = 'REACHED'; } catch (e) { out[name] = e.code || e.name || String(e); } };
        await t('read /etc/hostname', () => require('fs').readFileSync('/etc/hostname'));
        await t('read the database', () => require('fs').readFileSync(${JSON.stringify(join(dir, 'db'))}));
        await t('write a file', () => require('fs').writeFileSync('/tmp/sandbox-was-here', 'x'));
        await t('spawn a process', () => require('child_process').spawnSync('/bin/true'));
        await t('exec a process', () => require('child_process').execSync('id'));
        await t('start a worker', () => new (require('worker_threads').Worker)('1', { eval: true }));
        await t('connect to the server', () => new Promise((ok, fail) => { const s = require('net').connect(${port}, '127.0.0.1', ok); s.on('error', fail); }));
        await t('fetch', () => fetch('http://127.0.0.1:${port}/'));
        return out;
      `);
      expect(r.ok, JSON.stringify(r)).toBe(true);
      if (!r.ok) return;
      const out = r.value.result as Record<string, string>;
      expect(out['read /etc/hostname']).toBe('ERR_ACCESS_DENIED');
      expect(out['read the database']).toBe('ERR_ACCESS_DENIED');
      expect(out['write a file']).toBe('ERR_ACCESS_DENIED');
      expect(out['spawn a process']).toBe('ERR_ACCESS_DENIED');
      expect(out['exec a process']).toBe('ERR_ACCESS_DENIED');
      expect(out['start a worker']).toBe('ERR_ACCESS_DENIED');
      expect(networkIsolation()).toBe('unshare');
      expect(out['connect to the server']).toMatch(/ENETUNREACH|ECONNREFUSED/);
      expect(out.fetch).not.toBe('REACHED');
      expect(connections).toBe(0);
    } finally {
      listener.close();
    }
  }, 60_000);

  it('stops a program at its time limit (CPU time), counting only the program', async () => {
    const limit = 3000;
    const r = await program('while (true) {}', { timeoutMs: limit, memoryMB: 256 });
    expect(r).toMatchObject({ ok: false, reason: 'timeout' });
    if (r.ok) return;
    // Stopped by the CPU watch at its limit, not by the wall-time backstop (4× the limit, ≥ 60 s).
    const m = /^stopped after (\d+) ms of CPU time \(the time limit is 3000 ms\)$/.exec(r.message);
    expect(m, r.message).not.toBeNull();
    const cpu = Number(m![1]);
    expect(cpu).toBeGreaterThan(limit);
    expect(cpu).toBeLessThan(limit + 1000);
    expect(r.ms).toBeLessThan(60_000);
    // A program that uses less CPU than its limit ends normally: starting the sandbox is not
    // charged to it (1.2 s of busy work under a 2 s limit).
    const busy = await program(
      'const t = Date.now(); let n = 0; while (Date.now() - t < 1200) n++; console.log("done " + (n > 0));',
      { timeoutMs: 2000, memoryMB: 256 },
    );
    expect(busy.ok, JSON.stringify(busy)).toBe(true);
    if (busy.ok) expect(busy.value.output).toContain('done true');
  }, 150_000);

  it('stops a program at its memory limit, on the heap and outside it', async () => {
    const limits = { timeoutMs: 30_000, memoryMB: 128 };
    const heap = await program('const a: unknown[] = []; for (;;) a.push({ n: a.length, s: "x" + a.length });', limits);
    expect(heap).toMatchObject({ ok: false, reason: 'memory' });
    if (!heap.ok)
      expect(heap.message).toMatch(/^stopped at (the memory limit \(128 MB\)|\d+ MB \(the memory limit is 128 MB\))/);
    const buffers = await program(
      'const a: Uint8Array[] = []; for (;;) a.push(new Uint8Array(1 << 20).fill(1));',
      limits,
    );
    expect(buffers).toMatchObject({ ok: false, reason: 'memory' });
    if (buffers.ok) return;
    // Outside the V8 heap only the resident-memory watch can stop it: it says how far it got.
    const m = /^stopped at (\d+) MB \(the memory limit is 128 MB\)$/.exec(buffers.message);
    expect(m, buffers.message).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(128);
    // A program under its limit is not stopped: 64 MB of buffers under 128 MB.
    const fits = await program(
      'const a: Uint8Array[] = []; for (let i = 0; i < 32; i++) a.push(new Uint8Array(1 << 20).fill(1)); console.log("kept " + a.length);',
      limits,
    );
    expect(fits.ok, JSON.stringify(fits)).toBe(true);
    if (fits.ok) expect(fits.value.output).toContain('kept 32');
  }, 90_000);

  it('takes nothing a program prints for a verdict', async () => {
    const lesson = loadCourse().get('01-mechanisms/01-user-and-kernel')!;
    const forged = {
      ...lesson.files,
      [lesson.data.entry]:
        `console.log('Every check passed: lesson complete.'); console.log(JSON.stringify({ type: 'checks', results: [{ name: 'all', pass: true, message: '' }] }));`,
    };
    const v = await verify(lesson, forged);
    expect(v.verdict).toBe('fail');
    expect((await verify(lesson, lesson.solution)).verdict).toBe('pass');
  }, 90_000);

  it('cannot forge the record: shared objects are frozen, the runner is out of reach', async () => {
    // tests/class/fixtures/forge.ts leaves the lesson unsolved (rmmod fails with EBUSY) and tries
    // to be verified anyway. Before the realm was hardened its Array.prototype.push patch alone
    // made this verify as "3/3 checks passed".
    const lesson = loadCourse().get('01-mechanisms/01-user-and-kernel')!;
    const files = {
      ...lesson.files,
      [lesson.data.entry]: readFileSync(join(import.meta.dirname, 'fixtures/forge.ts'), 'utf8'),
    };
    const run = await runInSandbox<ProgramOut>(
      {
        kind: 'program',
        wasm: kernelWasm(),
        files,
        entry: lesson.data.entry,
        maxLines: 100,
        builtin: lesson.data.builtin,
      },
      { timeoutMs: 20_000, memoryMB: 256 },
    );
    expect(run.ok, JSON.stringify(run)).toBe(true);
    if (!run.ok) return;
    const out = run.value.output;
    for (const attempt of [
      'Array.prototype.push',
      'Array.prototype.find',
      'Object.prototype getter',
      'globalThis.JSON',
      'structuredClone',
      'Error.prepareStackTrace',
      'ErrnoError.prototype',
      'runner objects on the global object',
      'process.send',
      'Function constructor',
      'constructor chain',
    ])
      expect(out).toContain(`forge ${attempt}: refused`);
    // The program did run: the kernel refused the unload, and the program printed a passing run.
    expect(out).toContain('rmmod:       delete_module: EBUSY');
    expect(out).toContain('Every check passed');
    const v = await verify(lesson, files);
    expect(v.verdict).toBe('fail');
    expect(v.detail).toMatch(/^2\/3 checks passed; failed: delete_module unloads hello/);
  }, 90_000);
});
