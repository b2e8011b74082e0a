/**
 * One relay session: one WebSocket, one VM. The VM boots as the socket opens; its console and
 * agent port are relayed as binary frames (src/agent/relay-frames.ts); it is killed when the socket
 * closes, when the session is idle or too old, when a frame is malformed, or when the relay stops.
 */
import { randomBytes } from 'node:crypto';
import type { WebSocket, RawData } from 'ws';
import { bootVm, type Vm, type VmImage } from '../qemu.ts';
import {
  CHANNEL,
  CLOSE,
  FrameError,
  decodeBinary,
  decodeClientText,
  encodeControl,
  encodeData,
  type Channel,
  type ClientMessage,
  type ServerMessage,
  type SessionLimits,
} from '../../../src/agent/relay-frames.ts';
import { applyLimits, type AppliedLimits } from './limits.ts';

/** How every session of a relay is set up. */
export interface SessionConfig {
  image: VmImage;
  memoryMB: number;
  cpuPercent: number;
  idleTimeoutS: number;
  wallClockS: number;
  bootTimeoutS: number;
  /** Agent ports per VM: how many processes of a program can run at once. */
  agentPorts: number;
  /** Tags QEMU's command line (`netlink_lab.relay=<id>`) so a relay's VMs can be found with pgrep. */
  relayId: string;
  log: (line: string) => void;
}

/**
 * Back-pressure bounds. Guest → client: once this many bytes wait in the WebSocket (a browser that
 * stops reading), the relay stops reading the VM's console and agent ports until the socket drains
 * below {@link OUT_LOW}; QEMU then stops taking data from the guest, whose writes block. Client →
 * guest: once a port or the console has this many bytes queued towards QEMU (a guest that does not
 * read), the relay stops reading the WebSocket until that queue drains. What one session holds in
 * the relay is thus bounded by about these amounts plus one socket read.
 */
export const OUT_HIGH = 1024 * 1024;
export const OUT_LOW = 256 * 1024;
export const IN_HIGH = 1024 * 1024;

/** A close reason must fit in 123 bytes of UTF-8. */
function shortReason(reason: string): string {
  const enc = new TextEncoder();
  if (enc.encode(reason).length <= 123) return reason;
  let s = reason;
  while (enc.encode(s + '…').length > 123) s = s.slice(0, -1);
  return s + '…';
}

/** A running session. */
export class Session {
  readonly id = randomBytes(6).toString('hex');
  readonly vm: Vm;
  /** Resolves once the VM has exited and the socket is closed. */
  readonly ended: Promise<void>;
  private closing = false;
  private consoleMuted = false;
  private moduleQueue: Promise<void> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | undefined;
  private wallTimer: NodeJS.Timeout;
  private limits: AppliedLimits;
  /** Reading of the VM's output is paused because the client does not keep up. */
  private outPaused = false;
  /** Reading of the WebSocket is paused because the guest does not keep up (the target waited on). */
  private inBlocked: NodeJS.WritableStream | null = null;

  /** The relay has stopped reading the VM's output: the client does not keep up. */
  get vmReadPaused(): boolean {
    return this.outPaused;
  }
  /** The relay has stopped reading the client: the guest does not keep up. */
  get clientReadPaused(): boolean {
    return this.inBlocked !== null;
  }

  /** `cmdline`: words appended to the VM's kernel command line (a lesson's; checked by the relay). */
  constructor(
    private readonly ws: WebSocket,
    private readonly cfg: SessionConfig,
    cmdline = '',
  ) {
    const started = Date.now();
    this.vm = bootVm({
      image: cfg.image,
      memoryMB: cfg.memoryMB,
      cpus: 1,
      timeoutMs: cfg.bootTimeoutS * 1000,
      // microvm has no HPET or ACPI PM timer: when several VMs boot at once on a busy host, the
      // guest's TSC calibration against the PIT fails and the boot stalls. 'pc' boots ~0.5 s slower
      // alone, but always; no_timer_check skips the IO-APIC timer test that panics under load.
      machine: 'pc',
      agentPorts: cfg.agentPorts,
      append: `no_timer_check netlink_lab.relay=${cfg.relayId}${cmdline ? ` ${cmdline}` : ''}`,
    });
    this.limits = applyLimits(this.vm.pid, `${cfg.relayId}-${this.id}`, {
      memoryMB: cfg.memoryMB,
      cpuPercent: cfg.cpuPercent,
      nice: 10,
      // QEMU runs a few threads besides the vCPU: allow some CPU time beyond the wall clock.
      cpuSeconds: Math.ceil(cfg.wallClockS * 1.5) + 60,
    });
    const limits: SessionLimits = {
      memoryMB: cfg.memoryMB,
      cpus: 1,
      idleTimeoutS: cfg.idleTimeoutS,
      wallClockS: cfg.wallClockS,
      enforced: this.limits.enforced,
    };
    cfg.log(
      `session ${this.id}: VM ${this.vm.name} (pid ${this.vm.pid}) booting${cmdline ? ` with ${cmdline}` : ''}; caps: -m ${cfg.memoryMB}M -smp 1, ${this.limits.enforced.join(', ') || "none besides QEMU's"}${this.limits.skipped.length ? `; not enforced: ${this.limits.skipped.join('; ')}` : ''}`,
    );
    this.sendControl({
      type: 'hello',
      session: this.id,
      vm: this.vm.name,
      kernel: cfg.image.kernelRelease,
      agent: cfg.image.agent,
      agentPorts: this.vm.agents.length,
      limits,
      cmdline,
    });

    this.vm.console.on('data', (chunk: Buffer) => this.sendData(CHANNEL.CONSOLE, chunk));
    this.vm.agents.forEach((port, i) => {
      port.on('data', (chunk: Buffer) => this.sendData(CHANNEL.FIRST_AGENT + i, chunk));
    });
    let booted = false;
    this.vm.ready.then(
      () => {
        booted = true;
        if (!this.closing) this.sendControl({ type: 'ready', bootMs: Date.now() - started });
      },
      (e: Error) => {
        void this.close(CLOSE.VM_EXITED, `the VM did not boot: ${e.message.split('\n')[0]}${this.qemuSaid()}`);
      },
    );
    void this.vm.exited.then(({ code, signal }) => {
      const how = `QEMU ${signal ? `killed by ${signal}` : `exited with ${code}`}`;
      // QEMU that could not start (no KVM, a missing image file, too much -m) says why on stderr:
      // the client gets those words, not only the exit status.
      void this.close(
        CLOSE.VM_EXITED,
        booted
          ? `the VM stopped (${how}); reconnect for a new one${this.qemuSaid()}`
          : `the VM did not boot (${how})${this.qemuSaid()}`,
      );
    });

    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', () => {
      void this.close(CLOSE.NORMAL, 'the client closed the connection');
    });
    ws.on('error', () => {
      void this.close(CLOSE.NORMAL, 'socket error');
    });
    this.touch();
    this.wallTimer = setTimeout(() => {
      void this.close(CLOSE.TIME_LIMIT, `session time limit (${cfg.wallClockS} s) reached; reconnect for a new VM`);
    }, cfg.wallClockS * 1000);

    this.ended = this.vm.exited.then(() => this.limits.release());
  }

  /** What QEMU wrote to stderr (its last 1000 characters), as the end of a close reason, or ''. */
  private qemuSaid(): string {
    const err = this.vm.stderr().trim();
    return err ? `. QEMU said: ${err.length > 1000 ? `…${err.slice(-1000)}` : err}` : '';
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      void this.close(
        CLOSE.IDLE,
        `no input for ${this.cfg.idleTimeoutS} s: the VM was stopped; reconnect for a new one`,
      );
    }, this.cfg.idleTimeoutS * 1000);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.closing) return;
    this.touch();
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    try {
      if (!isBinary) {
        const m = decodeClientText(bytes.toString('utf8'));
        if (m.type === 'ping') this.sendControl({ type: 'pong', id: m.id });
        else if (m.type === 'kill') this.moduleQueue = this.moduleQueue.then(() => this.kill(m));
        else this.moduleQueue = this.moduleQueue.then(() => this.module(m));
        return;
      }
      const f = decodeBinary(bytes, this.vm.agents.length);
      if (f.kind !== 'data') return;
      const target = f.channel === CHANNEL.CONSOLE ? this.vm.console : this.vm.agents[f.channel - CHANNEL.FIRST_AGENT]!;
      const queued = !target.write(f.payload, () => {
        /* a write after QEMU exited fails here; the close follows */
      });
      // The guest does not keep up: stop reading the client until this target drains.
      if (queued && target.writableLength >= IN_HIGH && !this.inBlocked) {
        this.inBlocked = target;
        this.ws.pause();
        // A paused socket does not see the client leave: a ping every 2 s does (writing to a
        // connection the client closed fails, and the session then closes).
        const probe = setInterval(() => {
          if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
        }, 2000);
        target.once('drain', () => {
          clearInterval(probe);
          this.inBlocked = null;
          if (!this.closing) this.ws.resume();
        });
        void this.vm.exited.then(() => clearInterval(probe));
      }
    } catch (e) {
      if (e instanceof FrameError) void this.close(CLOSE.MALFORMED, `malformed frame: ${e.message}`);
      else void this.close(1011, `relay error: ${(e as Error).message}`);
    }
  }

  /**
   * Load or unload a module with the image's `modctl` on the console, its echo and output hidden
   * from the terminal; then a fresh prompt. Answers 0 or -errno.
   */
  private async module(m: Extract<ClientMessage, { type: 'module' }>): Promise<void> {
    const cmd =
      m.op === 'load' ? `modctl load /lib/modules/${m.name}.ko ${m.params.join(' ')}` : `modctl unload ${m.name}`;
    let ret: number;
    this.consoleMuted = true;
    try {
      const r = await this.vm.exec(cmd, { timeoutMs: 20_000 });
      ret = Number.parseInt(r.output.trim(), 10);
      if (!Number.isInteger(ret)) ret = -5; // EIO: modctl said something unexpected
    } catch {
      ret = -5;
    } finally {
      this.consoleMuted = false;
    }
    this.cfg.log(`session ${this.id}: ${cmd} → ${ret}`);
    this.sendData(
      CHANNEL.CONSOLE,
      new TextEncoder().encode(
        `\r\n\x1b[2m[netlink-lab: ${m.op === 'load' ? 'insmod' : 'rmmod'} ${m.name}${m.params.length ? ` ${m.params.join(' ')}` : ''} → ${ret}]\x1b[0m\r\n`,
      ),
    );
    this.vm.console.write('\n');
    this.sendControl({ type: 'module-result', id: m.id, ret });
  }

  /** SIGKILL a guest process (an agent stuck in a syscall), hidden from the terminal. */
  private async kill(m: Extract<ClientMessage, { type: 'kill' }>): Promise<void> {
    let ret = -1;
    this.consoleMuted = true;
    try {
      ret = (await this.vm.exec(`kill -9 ${m.pid}`, { timeoutMs: 20_000 })).status === 0 ? 0 : -1;
    } catch {
      /* ret stays -1 */
    } finally {
      this.consoleMuted = false;
    }
    this.cfg.log(`session ${this.id}: kill -9 ${m.pid} → ${ret}`);
    this.vm.console.write('\n');
    this.sendControl({ type: 'kill-result', id: m.id, ret });
  }

  private sendData(channel: Channel, chunk: Uint8Array): void {
    if (channel === CHANNEL.CONSOLE && this.consoleMuted) return;
    if (this.closing || this.ws.readyState !== this.ws.OPEN) return;
    for (const f of encodeData(channel, chunk)) this.ws.send(f, () => this.drained());
    if (!this.outPaused && this.ws.bufferedAmount >= OUT_HIGH) {
      // The client does not keep up: stop reading the VM (its writes then block in the guest).
      this.outPaused = true;
      this.vm.console.pause();
      for (const a of this.vm.agents) a.pause();
    }
  }

  /** A frame reached the socket: once the backlog is small again, read the VM again. */
  private drained(): void {
    if (!this.outPaused || this.ws.bufferedAmount > OUT_LOW) return;
    this.outPaused = false;
    this.vm.console.resume();
    for (const a of this.vm.agents) a.resume();
  }

  private sendControl(m: ServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeControl(m));
  }

  /** End the session: tell the client why, close the socket, kill the VM. Idempotent. */
  async close(code: number, reason: string): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      clearTimeout(this.idleTimer);
      clearTimeout(this.wallTimer);
      this.cfg.log(`session ${this.id}: closing (${code} ${reason})`);
      if (this.ws.readyState === this.ws.OPEN) {
        this.sendControl({ type: 'bye', code, reason });
        this.ws.close(code, shortReason(reason));
        // A client that never answers the close handshake is cut off.
        setTimeout(() => this.ws.terminate(), 2000).unref();
      }
      await this.vm.kill();
    }
    await this.ended;
  }
}
