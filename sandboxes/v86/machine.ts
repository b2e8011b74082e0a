/**
 * The in-browser kernel's machine: v86 (an x86 emulator in WebAssembly) running Debian's i386
 * kernel with the course's image (sandboxes/v86/image), in a browser or under Node. It knows
 * nothing about where its bytes come from: the caller passes the v86 constructor (libv86.mjs) and
 * the assets (v86.wasm, the BIOS, and the saved state or a kernel + initramfs to boot).
 *
 * Serial ports, all in raw mode but the first: COM1 (ttyS0) is the shell; COM2 (ttyS1) carries
 * the real-kernel agent of a program's first process (sandboxes/real/PROTOCOL.md); COM3 and COM4
 * (ttyS2, ttyS3) have no agent at boot: a process's forked child opens one and serves there (the
 * protocol's FORK). Ports are numbered 1…3 like the relay's agent channels, so src/runtime/vm's
 * RelayKernel runs on them unchanged (see link.ts).
 */

/** The part of libv86's V86 class this file uses. */
export interface V86Emulator {
  add_listener(event: string, fn: (data: unknown) => void): void;
  remove_listener(event: string, fn: (data: unknown) => void): void;
  bus: { send(event: string, data: unknown): void };
  run(): Promise<void> | void;
  stop(): Promise<void> | void;
  destroy(): Promise<void> | void;
  save_state(): Promise<ArrayBuffer>;
  serial_send_bytes?(serial: number, data: Uint8Array): void;
  /** libv86's machine: its guest RAM (used by the build to zero what the guest left behind). */
  v86?: { cpu?: { mem8?: Uint8Array } };
}
export type V86Constructor = new (options: Record<string, unknown>) => V86Emulator;

/** The bytes a machine starts from. */
export interface MachineAssets {
  wasm: ArrayBuffer | Uint8Array;
  /**
   * SeaBIOS and its VGA BIOS: needed to boot. A saved state holds the BIOS's pages in its RAM
   * and the booted kernel never calls it again, so a machine restored from one goes without.
   */
  bios?: ArrayBuffer | Uint8Array;
  vgaBios?: ArrayBuffer | Uint8Array;
  /** A saved state (zstd-compressed or not): restored instead of booting. */
  state?: ArrayBuffer | Uint8Array;
  /** To boot: Debian's bzImage, the initramfs and the command line. */
  bzimage?: ArrayBuffer | Uint8Array;
  initrd?: ArrayBuffer | Uint8Array;
  cmdline?: string;
}

/** Options of {@link startMachine}. */
export interface MachineOptions {
  /** Guest RAM in MiB; must equal the saved state's. */
  memoryMB: number;
  /** How long to wait for the shell's prompt (boot) or the restored machine (state). */
  timeoutMs?: number;
}

/** The agent port after the console. */
export const AGENT_PORTS = [1] as const;
/** The ports a forked child serves on, and their guest devices. */
export const FORK_PORTS = [
  { port: 2, dev: '/dev/ttyS2' },
  { port: 3, dev: '/dev/ttyS3' },
] as const;

/** The shell's prompt (sandboxes/vm/image/profile). */
const PROMPT = /netlink-lab:[^\n#]*# (\x1b\[6n)?$/;

const toBuffer = (b: ArrayBuffer | Uint8Array): ArrayBuffer =>
  b instanceof Uint8Array ? (b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer) : b;

/** A running v86 machine with the course's image. */
export class Machine {
  private readonly listeners = new Set<(port: number, bytes: Uint8Array) => void>();
  private consoleText = '';
  private readonly consoleListeners = new Set<(text: string) => void>();
  private execQueue: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly pending: Uint8Array[][] = [[], [], [], []];
  private flushQueued = [false, false, false, false];

  constructor(readonly emulator: V86Emulator) {
    for (let com = 0; com < 4; com++) {
      emulator.add_listener(`serial${com}-output-byte`, (byte) => this.onByte(com, byte as number));
    }
  }

  private onByte(com: number, byte: number): void {
    if (com === 0) {
      const ch = String.fromCharCode(byte);
      this.consoleText = (this.consoleText + ch).slice(-65536);
      for (const l of this.consoleListeners) l(ch);
      return;
    }
    // Bytes arrive one at a time: hand them on in one chunk per task.
    this.pending[com].push(new Uint8Array([byte]));
    if (!this.flushQueued[com]) {
      this.flushQueued[com] = true;
      queueMicrotask(() => {
        this.flushQueued[com] = false;
        const parts = this.pending[com];
        this.pending[com] = [];
        const all = new Uint8Array(parts.length);
        parts.forEach((p, i) => {
          all[i] = p[0];
        });
        for (const l of this.listeners) l(com, all);
      });
    }
  }

  /** Bytes to an agent port (1…3). */
  send(port: number, bytes: Uint8Array): void {
    if (this.stopped) return;
    if (this.emulator.serial_send_bytes) this.emulator.serial_send_bytes(port, bytes);
    else for (const b of bytes) this.emulator.bus.send(`serial${port}-input`, b);
  }

  /** Listen to the agent ports' bytes; returns a function that stops listening. */
  onData(l: (port: number, bytes: Uint8Array) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Keystrokes to the shell (ttyS0). */
  type(text: string): void {
    if (this.stopped) return;
    const bytes = new TextEncoder().encode(text);
    if (this.emulator.serial_send_bytes) this.emulator.serial_send_bytes(0, bytes);
    else for (const b of bytes) this.emulator.bus.send('serial0-input', b);
  }

  /** Listen to the shell's output, character by character (as Latin-1 text). */
  onConsole(l: (text: string) => void): () => void {
    this.consoleListeners.add(l);
    return () => this.consoleListeners.delete(l);
  }

  /** The last 64 KiB of console output. */
  transcript(): string {
    return this.consoleText;
  }

  /** Resolves when the console's output matches `re` (checked on each character), or rejects after `timeoutMs`. */
  waitConsole(re: RegExp, timeoutMs: number, from = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      let seen = this.consoleText.slice(from);
      if (re.test(seen)) {
        resolve(seen);
        return;
      }
      const timer = setTimeout(() => {
        off();
        reject(
          new Error(
            `the in-browser kernel did not print ${re} within ${timeoutMs} ms; its console ended with:\n${this.consoleText.slice(-800)}`,
          ),
        );
      }, timeoutMs);
      const off = this.onConsole((ch) => {
        seen += ch;
        if (re.test(seen)) {
          clearTimeout(timer);
          off();
          resolve(seen);
        }
      });
    });
  }

  /**
   * Run one shell command on the console and return its output and exit status. Commands run one
   * at a time; each ends with a marker line the command itself cannot print.
   */
  exec(cmd: string, { timeoutMs = 20_000 } = {}): Promise<{ output: string; status: number }> {
    const run = async () => {
      const id = Math.random().toString(36).slice(2, 10);
      const start = this.consoleText.length;
      // Markers split in the typed line, so the echo of the command (which the line editor may
      // wrap and redraw) never matches them: the output is what lies between the two.
      const begin = `__NLB_${id}__\r\n`;
      const end = new RegExp(`__NLE_${id}_(\\d+)__\r?\n`);
      this.type(`echo "__NLB_${id}""__"; (${cmd}) </dev/null; echo "__NLE_${id}""_$?__"\n`);
      const seen = await this.waitConsole(end, timeoutMs, start);
      const m = end.exec(seen)!;
      const b = seen.indexOf(begin);
      const output = (b >= 0 ? seen.slice(b + begin.length, m.index) : '').replace(/\r\n/g, '\n');
      // The prompt after the marker, in the last 200 characters — or all of them, when there are
      // fewer: a negative start (a just-restored machine's first command) cut the prompt off and
      // waited the whole timeout for one already printed.
      await this.waitConsole(PROMPT, timeoutMs, Math.max(0, this.consoleText.length - 200)).catch(() => undefined);
      return { output, status: Number(m[1]) };
    };
    const p = this.execQueue.then(run, run);
    this.execQueue = p.catch(() => undefined);
    return p;
  }

  /**
   * Zero guest-physical memory [start, end): for the build, before saving the state, on a range
   * the guest kernel does not use (v86 leaves zero pages out of a state).
   */
  zeroMemory(start: number, end: number): void {
    const mem8 = this.emulator.v86?.cpu?.mem8;
    if (!mem8) throw new Error('this libv86 does not expose the guest RAM (v86.cpu.mem8)');
    mem8.fill(0, start, Math.min(end, mem8.length));
  }

  /** The machine state (uncompressed), for a snapshot. */
  saveState(): Promise<ArrayBuffer> {
    return this.emulator.save_state();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.emulator.stop();
    await this.emulator.destroy?.();
  }
}

/**
 * Start a machine: restore `assets.state`, or boot `assets.bzimage` + `assets.initrd` and wait for
 * the shell's first prompt.
 */
export async function startMachine(V86: V86Constructor, assets: MachineAssets, opts: MachineOptions): Promise<Machine> {
  const wasm = toBuffer(assets.wasm);
  const booting = !assets.state;
  if (booting && !assets.bios) throw new Error('booting the in-browser kernel needs a BIOS (SeaBIOS)');
  const emulator = new V86({
    wasm_fn: async (env: WebAssembly.Imports) => (await WebAssembly.instantiate(wasm, env)).instance.exports,
    memory_size: opts.memoryMB * 1024 * 1024,
    vga_memory_size: 2 * 1024 * 1024,
    ...(assets.bios ? { bios: { buffer: toBuffer(assets.bios) } } : {}),
    ...(assets.vgaBios ? { vga_bios: { buffer: toBuffer(assets.vgaBios) } } : {}),
    ...(booting
      ? {
          bzimage: { buffer: toBuffer(assets.bzimage!) },
          initrd: { buffer: toBuffer(assets.initrd!) },
          cmdline: assets.cmdline,
        }
      : { initial_state: { buffer: toBuffer(assets.state!) } }),
    uart1: true,
    uart2: true,
    uart3: true,
    autostart: true,
    disable_keyboard: true,
    disable_mouse: true,
    disable_speaker: true,
    screen_dummy: true,
  });
  const machine = new Machine(emulator);
  const timeoutMs = opts.timeoutMs ?? (booting ? 120_000 : 20_000);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`v86 did not start within ${timeoutMs} ms`)), timeoutMs);
    emulator.add_listener('emulator-started', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  if (booting) await machine.waitConsole(PROMPT, timeoutMs);
  return machine;
}
