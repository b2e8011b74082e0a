/**
 * Machine.exec() on a stand-in for v86 whose shell answers at once: what a real machine does when
 * the whole answer (echo, output, marker, prompt) is printed before exec() looks at it.
 */
import { describe, expect, it } from 'vitest';
import { Machine, type V86Emulator } from './machine.ts';

/** A shell on COM1 that prints each typed line's output and the prompt synchronously. */
function fakeShell(): V86Emulator {
  const listeners = new Map<string, (data: unknown) => void>();
  const print = (text: string) => {
    for (const ch of text) listeners.get('serial0-output-byte')?.(ch.charCodeAt(0));
  };
  return {
    add_listener: (event, fn) => void listeners.set(event, fn),
    remove_listener: (event) => void listeners.delete(event),
    bus: { send() {} },
    run() {},
    stop() {},
    destroy() {},
    save_state: async () => new ArrayBuffer(0),
    serial_send_bytes(serial, data) {
      if (serial !== 0) return;
      const line = new TextDecoder().decode(data).trimEnd();
      // echo "B""__"; (cmd) </dev/null; echo "E""_$?__"  →  B__, the output, E_0__
      const m = /^echo "([^"]+)""__"; \((.*)\) <\/dev\/null; echo "([^"]+)""_\$\?__"$/.exec(line);
      if (!m) throw new Error(`unexpected line ${line}`);
      const out = m[2]!.replace(/^echo /, '');
      // busybox's prompt asks where the cursor is (ESC [6n) after it
      print(`${line}\r\n${m[1]}__\r\n${out}\r\n${m[3]}_0__\r\nnetlink-lab:~# \x1b[6n`);
    },
  };
}

describe('Machine.exec', () => {
  it("returns a just-restored machine's first command when its prompt is already printed", async () => {
    // Whatever the first transcript's length (here 140 to 240 characters, around the 200 that
    // exec() looks back for the prompt): it once looked from a negative offset, cut the prompt
    // off when the transcript was a little shorter than 200, and waited out its timeout.
    for (let n = 0; n <= 100; n++) {
      const m = new Machine(fakeShell());
      const t0 = performance.now();
      const r = await m.exec(`echo ${'x'.repeat(n)}`, { timeoutMs: 3_000 });
      expect(r).toEqual({ output: `${'x'.repeat(n)}\n`, status: 0 });
      expect(performance.now() - t0, `output of ${n} characters`).toBeLessThan(1_500);
    }
  });
});
