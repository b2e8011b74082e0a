/**
 * The lab's message builder against every message the course sends: each lesson's solution runs on
 * the simulated kernel (as tests/lessons does), every datagram sent on a netlink socket is
 * recorded, and for each one the builder must
 *   - read it and write it back byte for byte (bytes → fields → bytes),
 *   - read back what it wrote as the same fields (fields → hex → fields),
 *   - export a TypeScript program that, run on the simulated kernel, sends the very same bytes.
 */
import { describe, expect, it } from 'vitest';
import { loadLessons } from '../lessons/load-lessons.ts';
import { runProgram } from '../lessons/run-program.ts';
import { encodeDatagram, parseDatagram, toHex, issues } from '../../src/lib/builder/model.ts';
import { exportProgram } from '../../src/lib/builder/export.ts';
import { editHex, fromDatagram } from '../../src/lib/builder/state.ts';
import { AF_NETLINK } from '../../src/api/uapi.ts';

interface Sent {
  lesson: string;
  protocol: number;
  data: Uint8Array;
}

async function collect(): Promise<Sent[]> {
  const out: Sent[] = [];
  for (const l of loadLessons()) {
    const r = await runProgram(l.solution, l.data.entry, undefined, {
      cmdline: l.data.cmdline,
      builtin: l.data.builtin,
    });
    const domains = new Map<string, number>();
    for (const e of r.syscalls) {
      if (e.syscall === 'socket' && e.ret !== undefined && e.socket) domains.set(`${e.pid}:${e.ret}`, e.socket.domain);
      if (e.dir !== 'out' || !e.data || e.protocol === undefined) continue;
      if (domains.get(`${e.pid}:${e.fd}`) !== AF_NETLINK) continue;
      out.push({ lesson: l.id, protocol: e.protocol, data: e.data });
    }
  }
  return out;
}

const sent = await collect();
// The same bytes on the same protocol need testing once.
const unique = [...new Map(sent.map((s) => [`${s.protocol}:${toHex(s.data)}`, s])).values()];

describe('the builder and every message the lessons send', () => {
  it('the lessons send enough messages to mean something', () => {
    expect(new Set(sent.map((s) => s.lesson)).size).toBeGreaterThan(15);
    expect(unique.length).toBeGreaterThan(50);
    // Generic netlink, NETLINK_ROUTE and a raw protocol are all among them.
    for (const p of [0, 2, 16])
      expect(
        unique.some((s) => s.protocol === p),
        `protocol ${p}`,
      ).toBe(true);
  });

  it('reads every message and writes it back byte for byte (bytes → fields → bytes)', () => {
    const bad = unique.filter((s) => toHex(encodeDatagram(parseDatagram(s.data, s.protocol))) !== toHex(s.data));
    expect(bad.map((s) => `${s.lesson} protocol ${s.protocol}: ${toHex(s.data)}`)).toEqual([]);
  });

  it('reads back what it wrote as the same fields (fields → hex → fields)', () => {
    for (const s of unique) {
      const state = fromDatagram(parseDatagram(s.data, s.protocol));
      // Through the hex text the view shows, as if the learner had typed it.
      const again = editHex(state, state.hex);
      expect(again.hexError, s.lesson).toBeNull();
      expect(again.datagram, s.lesson).toEqual(state.datagram);
    }
  });

  it('finds headers and attributes in what the lessons send (not just raw bytes)', () => {
    const parsed = unique.map((s) => parseDatagram(s.data, s.protocol));
    const withAttrs = parsed.filter((d) => d.messages.some((m) => (m.attrs?.items.length ?? 0) > 0));
    const nests = parsed.filter((d) => d.messages.some((m) => m.attrs?.items.some((a) => a.nest)));
    expect(withAttrs.length).toBeGreaterThan(20);
    expect(nests.length).toBeGreaterThan(0);
  });

  it('some lesson messages are deliberately malformed, and the builder marks them', () => {
    const marked = unique.filter((s) => issues(parseDatagram(s.data, s.protocol)).length > 0);
    expect(marked.length).toBeGreaterThan(0);
  });
});

describe('the exported TypeScript sends the same bytes', () => {
  // Protocols a fresh simulated kernel has (NETLINK_TEST needs a lesson's module).
  const exportable = unique.filter((s) => s.protocol === 0 || s.protocol === 2 || s.protocol === 16);
  it.each(exportable.map((s, i) => [i, s.lesson, s] as const))('message %i (from %s)', async (_i, _lesson, s) => {
    const d = parseDatagram(s.data, s.protocol);
    const program = exportProgram(d);
    const r = await runProgram({ 'main.ts': program }, 'main.ts');
    expect(r.exit.error?.message, program).toBeUndefined();
    const first = r.syscalls.find((e) => e.syscall === 'sendto' && e.dir === 'out');
    expect(first?.data && toHex(first.data), program).toBe(toHex(s.data));
  });
});
