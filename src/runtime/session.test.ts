import { describe, expect, it } from 'vitest';
import * as user from '../api/user.ts';
import { runSession, type SessionKernel, type SessionOptions } from './session.ts';
import type { Batch, CheckResult, Exit } from './messages.ts';

// The real simulated kernel, as the playground's worker runs it.
import { bootKernel } from '../../tests/fixtures/sim-kernel.ts';

async function run(files: Record<string, string>, extra: Partial<SessionOptions> = {}) {
  const kernel = (await bootKernel()) as unknown as SessionKernel;
  const batches: Batch[] = [];
  let checks: { results: CheckResult[]; error?: string } | undefined;
  const exit: Exit = await runSession(kernel, {
    runId: 1,
    files,
    entry: 'main.ts',
    libs: { 'netlink-lab/user': user },
    post: (m) => {
      if (m.type === 'batch') batches.push(structuredClone(m));
      if (m.type === 'checks') checks = m;
    },
    ...extra,
  });
  return {
    exit,
    batches,
    checks,
    output: batches.flatMap((b) => b.output),
    syscalls: batches.flatMap((b) => b.syscalls),
    trace: batches.flatMap((b) => b.trace),
    kernel: batches.flatMap((b) => b.kernel),
    snapshots: batches.flatMap((b) => b.snapshots ?? []),
    state: batches.at(-1)?.state,
  };
}

const USERSOCK_PING = [
  "import { socket, bind, sendto, recvfrom, nlmsg, bytes, sleep, AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK } from 'netlink-lab/user';",
  'const a = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);',
  'await bind(a, { nl_family: AF_NETLINK, nl_pid: 100, nl_groups: 0 });',
  'const b = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);',
  "await sendto(b, nlmsg({ type: 0x10, seq: 7, payload: bytes('hi!', true) }), 0, { nl_family: AF_NETLINK, nl_pid: 100, nl_groups: 0 });",
  'await sleep(1500);',
  'const { n } = await recvfrom(a, new Uint8Array(256), 0);',
  "console.log('got', n, 'bytes');",
].join('\n');

describe('runSession on the simulated kernel', () => {
  it("reports output, every syscall with its socket's protocol and bytes, whole traces and the state", async () => {
    const r = await run({ 'main.ts': USERSOCK_PING });
    expect(r.exit).toMatchObject({ type: 'exit', status: 'ok' });
    expect(r.output.map((l) => l.text)).toEqual(['got 20 bytes']);
    expect(r.output[0]!.pid).toBeGreaterThan(0);
    const send = r.syscalls.find((e) => e.syscall === 'sendto')!;
    const recv = r.syscalls.find((e) => e.syscall === 'recvfrom')!;
    expect(send).toMatchObject({ dir: 'out', protocol: 2, ret: 20 });
    expect(recv).toMatchObject({ dir: 'in', protocol: 2, ret: 20 });
    expect([...recv.data!]).toEqual([...send.data!]);
    // When each call was made: the recv after the 1.5 s sleep started at 1.5 s.
    expect(send.start).toBe(0);
    expect(recv.start).toBe(1500);
    // Every syscall's trace arrived complete: its outermost function has returned.
    const roots = r.trace.filter((t) => t.depth === 0);
    expect(roots.length).toBeGreaterThanOrEqual(4);
    for (const t of roots) expect(t.exit, `${t.fn} has returned`).toBeDefined();
    expect(r.trace.some((t) => t.fn === 'netlink_sendmsg' && t.file.endsWith('af_netlink.ts') && t.line > 0)).toBe(
      true,
    );
    // The state after the send shows both sockets and the datagram waiting; at the end they are closed.
    const afterSend = r.snapshots.find((s) => s.after.startsWith('sendto'))!.state;
    const mine = afterSend.sockets.filter((s) => s.protocol === 2 && !s.kernel);
    expect(mine).toHaveLength(2);
    expect(mine.find((s) => s.portid === 100)!.queue!.map((q) => q.len)).toEqual([20]);
    expect(r.state!.sockets.filter((s) => !s.kernel)).toEqual([]);
    expect(r.kernel.some((e) => e.kind === 'proc')).toBe(true);
  });

  it('knows the protocol of sockets that library code opened, and when its calls were made', async () => {
    const code = [
      "import { genl_socket, genl_ctrl_resolve } from 'netlink-lab/user';",
      'const fd = await genl_socket();',
      "const family = await genl_ctrl_resolve(fd, 'nlctrl');",
      'console.log(family.id);',
    ].join('\n');
    const r = await run({ 'main.ts': code });
    expect(r.exit.status, r.exit.error?.message).toBe('ok');
    const io = r.syscalls.filter((e) => e.data);
    expect(io.length).toBeGreaterThanOrEqual(2);
    for (const e of io) expect(e.protocol, `${e.syscall} fd ${e.fd}`).toBe(16);
    // The library's own syscalls carry when they were made, as the program's do (the timeline draws them).
    for (const e of r.syscalls) expect(e.start, `${e.syscall} has a start time`).toBeTypeOf('number');
    for (const e of r.syscalls) expect(e.start!).toBeLessThanOrEqual(e.time);
  });

  it('reports an uncaught errno with the line it came from', async () => {
    const r = await run({ 'main.ts': "import { socket } from 'netlink-lab/user';\n\nawait socket(16, 3, 31);\n" });
    expect(r.exit.status).toBe('error');
    expect(r.exit.error).toMatchObject({ file: 'main.ts', line: 3 });
    expect(r.exit.error!.message).toMatch(/EPROTONOSUPPORT/);
    expect(r.output.at(-1)!.stream).toBe('error');
  });

  it('reports a syntax error with file and line', async () => {
    const r = await run({ 'main.ts': 'const a = 1;\nlet = ;\n' });
    expect(r.exit.error).toMatchObject({ file: 'main.ts', line: 2 });
    expect(r.exit.error!.message).toMatch(/^Syntax error in main\.ts:2/);
  });

  it('runs the checks on what the program did', async () => {
    const checks = [
      "import type { CheckInput } from '../../check-api.ts';",
      'export default ({ output, events, state }: CheckInput) => [',
      "  { name: 'printed', pass: output.includes('got 20 bytes'), message: output },",
      "  { name: 'received', pass: events.some((e) => e.syscall === 'recvfrom' && e.ret === 20), message: '' },",
      "  { name: 'state', pass: (state as { sockets: unknown[] }).sockets.length > 0, message: '' },",
      "  { name: 'wrong on purpose', pass: output.includes('never printed'), message: 'not printed' },",
      '];',
    ].join('\n');
    const r = await run({ 'main.ts': USERSOCK_PING }, { checks });
    expect(r.checks?.error).toBeUndefined();
    expect(r.checks!.results.map((c) => [c.name, c.pass])).toEqual([
      ['printed', true],
      ['received', true],
      ['state', true],
      ['wrong on purpose', false],
    ]);
  });

  it('gives the checks the kernel trace, or none on a kernel without one', async () => {
    const checks = [
      "import type { CheckInput } from '../../check-api.ts';",
      'export default ({ trace }: CheckInput) => [',
      "  { name: 'trace', pass: trace !== undefined, message: trace ? trace.filter((t) => t.fn === 'netlink_unicast' && t.ret === 20).length + ' unicasts of 20 bytes' : 'unavailable' },",
      '];',
    ].join('\n');
    const r = await run({ 'main.ts': USERSOCK_PING }, { checks });
    expect(r.checks!.results[0]).toMatchObject({ pass: true, message: '1 unicasts of 20 bytes' });
    const kernel = (await bootKernel()) as unknown as SessionKernel;
    kernel.trace = { ...kernel.trace, available: false };
    let results: CheckResult[] = [];
    await runSession(kernel, {
      runId: 2,
      files: { 'main.ts': USERSOCK_PING },
      entry: 'main.ts',
      checks,
      libs: { 'netlink-lab/user': user },
      post: (m) => {
        if (m.type === 'checks') results = m.results;
      },
    });
    expect(results[0]).toMatchObject({ pass: false, message: 'unavailable' });
  });

  it('cuts a flood of output: the first lines as printed, then the latest, ending with the last line', async () => {
    const r = await run({ 'main.ts': 'for (let i = 1; i <= 100; i++) console.log(i);' }, { maxOutputLines: 10 });
    expect(r.output.map((l) => l.text)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    const cut = r.batches.filter((b) => b.cut).at(-1)!.cut!;
    expect(cut.head).toBe(7);
    expect(cut.printed).toBe(100);
    expect(cut.tail.map((l) => l.text)).toEqual(['98', '99', '100']);
  });

  it('sends each line at once, in its own message, before the program goes on', async () => {
    const seen: string[][] = [];
    const kernel = (await bootKernel()) as unknown as SessionKernel;
    await runSession(kernel, {
      runId: 1,
      entry: 'main.ts',
      libs: { 'netlink-lab/user': user },
      files: { 'main.ts': "console.log('a'); globalThis.__mark = 1; console.log('b');" },
      post: (m) => {
        if (m.type === 'batch' && m.output.length)
          seen.push(m.output.map((l) => l.text + ((globalThis as { __mark?: number }).__mark ? '+' : '')));
      },
    });
    expect(seen.slice(0, 2)).toEqual([['a'], ['b+']]);
  });

  it('gives a runtime error the column in the source, not in the type-stripped code', async () => {
    const r = await run({ 'main.ts': 'const a: Record<string, number> = {};\nconst b: number = (a as any).x.y;\n' });
    expect(r.exit.error).toMatchObject({ file: 'main.ts', line: 2 });
    // V8 points at the property it could not read: the y.
    expect(r.exit.error!.column).toBe('const b: number = (a as any).x.y;'.lastIndexOf('y') + 1);
  });

  it('does not run the checks when the program did not compile', async () => {
    const r = await run(
      { 'main.ts': 'const x = ;' },
      { checks: "export default () => [{ name: 'c', pass: false, message: '' }]" },
    );
    expect(r.exit).toMatchObject({ status: 'error', ran: false });
    expect(r.checks).toBeUndefined();
  });
});

describe('a runaway program', () => {
  it('sends a bounded amount to the page, and says what it left out', async () => {
    const code = [
      "import { socket, recvfrom, AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK, MSG_DONTWAIT } from 'netlink-lab/user';",
      'const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);',
      'for (let i = 0; i < 8000; i++) { try { await recvfrom(fd, new Uint8Array(64), MSG_DONTWAIT); } catch { /* EAGAIN */ } }',
    ].join('\n');
    const r = await run(
      { 'main.ts': code },
      {
        checks:
          "export default ({ events }) => [{ name: 'seen', pass: events.length === 8001, message: String(events.length) }]",
      },
    );
    expect(r.exit.status).toBe('ok');
    expect(r.syscalls).toHaveLength(5000);
    expect(r.trace.length).toBeLessThanOrEqual(20000);
    expect(r.output.map((l) => l.text).join('\n')).toMatch(/first 5000 syscalls/);
    // The checks still see every syscall.
    expect(r.checks!.results[0]).toMatchObject({ pass: true });
  });
});
