/**
 * The VM relay's WebSocket frame format, shared by the relay (sandboxes/vm/relay, Node) and its
 * clients (the lesson terminal and the VM backend, in the browser). No DOM, no Node: bytes only.
 *
 * One WebSocket carries one VM session:
 *   binary frame = [channel: u8][payload: 1..65535 bytes]
 *     channel 0      CONSOLE  the serial console (the guest's ttyS0): keystrokes in, screen out
 *     channel 1..N   AGENT    virtio-serial port k (/dev/vport0p<k> in the guest), where an agent
 *                             (sandboxes/real/PROTOCOL.md) serves one process of a program; N is
 *                             announced in `hello` (agentPorts)
 *   text frame   = one JSON object with a "type" (control messages, below)
 * Anything else is malformed: the relay closes the socket with CLOSE.MALFORMED and says why.
 */

/** Binary channel numbers (the first byte of a binary frame): the console, then agent ports 1…N. */
export const CHANNEL = { CONSOLE: 0, FIRST_AGENT: 1 } as const;
/** A channel number: 0 (console) or an agent port 1…N. */
export type Channel = number;
/** The most agent ports a VM can have (QEMU's virtio-serial limit used by qemu.ts). */
export const MAX_AGENT_PORTS = 30;

/** Largest payload of one binary frame; longer data is split. */
export const MAX_PAYLOAD = 65535;

/**
 * WebSocket close codes the relay uses (4000–4999 are for applications). The close reason is a
 * sentence for the learner.
 */
export const CLOSE = {
  NORMAL: 1000,
  /** The relay is shutting down (SIGINT/SIGTERM). */
  GOING_AWAY: 1001,
  /** A frame that does not follow this format. */
  MALFORMED: 4400,
  /** No input for the idle timeout. */
  IDLE: 4408,
  /** The session's wall-clock limit was reached. */
  TIME_LIMIT: 4410,
  /** The maximum number of VMs is running. */
  SERVER_FULL: 4503,
  /** The VM did not boot, or it stopped (e.g. `poweroff` in the shell). */
  VM_EXITED: 4500,
} as const;

/** The limits a session runs under, as the relay announces them. */
export interface SessionLimits {
  memoryMB: number;
  cpus: number;
  idleTimeoutS: number;
  wallClockS: number;
  /** What the relay could enforce on QEMU besides -m/-smp (e.g. 'cgroup memory 256 MiB', 'nice 10'). */
  enforced: string[];
}

/** Control messages from the relay. */
export type ServerMessage =
  /** Sent at once: the VM is booting; console output follows from its first byte. */
  | {
      type: 'hello';
      session: string;
      vm: string;
      kernel: string;
      agent: boolean;
      agentPorts: number;
      limits: SessionLimits;
      cmdline?: string;
    }
  /** The shell is up: a command typed now runs. */
  | { type: 'ready'; bootMs: number }
  | { type: 'pong'; id: number }
  /** The answer to a `module` request: 0 or a negative errno, as init_module/delete_module return. */
  | { type: 'module-result'; id: number; ret: number }
  /** The answer to a `kill` request: 0, or -1 when there was no such process. */
  | { type: 'kill-result'; id: number; ret: number }
  /** Sent just before the relay closes the socket. */
  | { type: 'bye'; code: number; reason: string };

/** Control messages to the relay. */
export type ClientMessage =
  | { type: 'ping'; id: number }
  /**
   * Load (finit_module, with `name=value` parameters) or unload (delete_module) one of the VM's
   * modules, /lib/modules/<name>.ko. The relay runs it on the VM's console with its output
   * hidden from the terminal; the shell must be at its prompt.
   */
  | { type: 'module'; id: number; op: 'load' | 'unload'; name: string; params: string[] }
  /**
   * SIGKILL a process in the VM: an agent left blocked in a syscall by a program that was stopped
   * (run like `module`, on the console with its output hidden).
   */
  | { type: 'kill'; id: number; pid: number };

/** A module name the relay accepts (it is typed into the VM's shell). */
export const MODULE_NAME = /^[A-Za-z0-9_-]{1,56}$/;
/** A module parameter the relay accepts: name=value, plain characters only. */
export const MODULE_PARAM = /^[A-Za-z_][A-Za-z0-9_]{0,63}=[A-Za-z0-9_.,-]{0,64}$/;

/** One decoded frame. */
export type Frame =
  | { kind: 'data'; channel: Channel; payload: Uint8Array }
  | { kind: 'control'; message: ServerMessage | ClientMessage };

/** A frame that breaks the format; `message` says how, for the close reason. */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/**
 * The WebSocket URL's query parameter that carries a lesson's kernel command line (front matter
 * `cmdline:`): the relay appends it to the VM's own (`-append`). A VM boots with its command line,
 * so a session's is fixed when it connects.
 */
export const CMDLINE_PARAM = 'cmdline';

/**
 * Check a kernel command line asked for by a client; returns it with its spaces normalised, or
 * throws with a sentence. Words of letters, digits and `_ . , = : / + @ % -` only (it reaches
 * QEMU's argv, never a shell), at most 1024 characters; refused: the image's own words
 * (`netlink_lab.*`, which also tag the relay's VMs for pgrep), `init=`/`rdinit=` (they replace the
 * image's init, and with it the shell and the agents), and `--` (what follows goes to init).
 */
export function checkGuestCmdline(text: string): string {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const line = words.join(' ');
  if (line.length > 1024)
    throw new FrameError(`the kernel command line is ${line.length} characters long; at most 1024 are allowed`);
  for (const w of words) {
    if (!/^[A-Za-z0-9_.,=:/+@%-]+$/.test(w))
      throw new FrameError(
        `the kernel command line word ${JSON.stringify(w.slice(0, 40))} has a character other than letters, digits and _ . , = : / + @ % -`,
      );
    if (w === '--') throw new FrameError('the kernel command line may not contain "--" (what follows it goes to init)');
    if (/^netlink_lab\./.test(w))
      throw new FrameError(`the kernel command line word ${JSON.stringify(w)} is the VM image's own (netlink_lab.*)`);
    if (/^(rd)?init=/.test(w))
      throw new FrameError(`the kernel command line word ${JSON.stringify(w)} would replace the VM image's init`);
  }
  return line;
}

/** Encode data for a channel as one or more binary frames. */
export function encodeData(channel: Channel, data: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let off = 0; off < data.length; off += MAX_PAYLOAD) {
    const part = data.subarray(off, Math.min(off + MAX_PAYLOAD, data.length));
    const f = new Uint8Array(1 + part.length);
    f[0] = channel;
    f.set(part, 1);
    frames.push(f);
  }
  return frames;
}

/** Encode a control message as a text frame. */
export function encodeControl(m: ServerMessage | ClientMessage): string {
  return JSON.stringify(m);
}

/** Decode a binary frame for a VM with `agentPorts` agent ports; throws FrameError when malformed. */
export function decodeBinary(frame: Uint8Array, agentPorts = MAX_AGENT_PORTS): Frame {
  if (frame.length < 2)
    throw new FrameError(
      `a binary frame needs a channel byte and at least one byte of data (got ${frame.length} byte${frame.length === 1 ? '' : 's'})`,
    );
  if (frame.length > MAX_PAYLOAD + 1)
    throw new FrameError(`a binary frame carries at most ${MAX_PAYLOAD} bytes of data (got ${frame.length - 1})`);
  const channel = frame[0]!;
  if (channel > agentPorts)
    throw new FrameError(`unknown channel ${channel} (0 is the console, 1-${agentPorts} the agent ports)`);
  return { kind: 'data', channel, payload: frame.subarray(1) };
}

/** Decode a text frame sent by a client; throws FrameError unless it is a known ClientMessage. */
export function decodeClientText(text: string): ClientMessage {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new FrameError('a text frame must be a JSON object');
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m))
    throw new FrameError('a text frame must be a JSON object');
  const o = m as Record<string, unknown>;
  if (o.type !== 'ping' && o.type !== 'module' && o.type !== 'kill') {
    throw new FrameError(
      `unknown control message type ${JSON.stringify(o.type)} (a client may send "ping", "module" and "kill")`,
    );
  }
  if (typeof o.id !== 'number' || !Number.isSafeInteger(o.id)) throw new FrameError(`${o.type} needs an integer "id"`);
  if (o.type === 'ping') return { type: 'ping', id: o.id };
  if (o.type === 'kill') {
    if (typeof o.pid !== 'number' || !Number.isInteger(o.pid) || o.pid < 2 || o.pid > 4194304)
      throw new FrameError('kill needs a "pid" from 2 to 4194304');
    return { type: 'kill', id: o.id, pid: o.pid };
  }
  if (o.op !== 'load' && o.op !== 'unload') throw new FrameError('module needs "op": "load" or "unload"');
  if (typeof o.name !== 'string' || !MODULE_NAME.test(o.name))
    throw new FrameError(`module "name" must match ${MODULE_NAME}`);
  const params = o.params ?? [];
  if (
    !Array.isArray(params) ||
    params.length > 16 ||
    !params.every((p) => typeof p === 'string' && MODULE_PARAM.test(p))
  ) {
    throw new FrameError(`module "params" must be at most 16 strings matching ${MODULE_PARAM}`);
  }
  if (o.op === 'unload' && params.length) throw new FrameError('module unload takes no "params"');
  return { type: 'module', id: o.id, op: o.op, name: o.name, params: params as string[] };
}

/** Decode a text frame sent by the relay; throws FrameError when it is not a ServerMessage. */
export function decodeServerText(text: string): ServerMessage {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new FrameError('the relay sent a text frame that is not JSON');
  }
  const type = (m as { type?: unknown } | null)?.type;
  if (
    type === 'hello' ||
    type === 'ready' ||
    type === 'pong' ||
    type === 'module-result' ||
    type === 'kill-result' ||
    type === 'bye'
  )
    return m as ServerMessage;
  throw new FrameError(`the relay sent an unknown control message ${JSON.stringify(type)}`);
}
