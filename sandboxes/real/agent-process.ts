/**
 * One running agent (sandboxes/real/agent/agent.c): send a request, get its response. Requests may
 * be sent while others are pending; the agent answers them in order. An agent is either a child
 * process behind pipes (Agent.start) or a forked agent that connected back over a unix socket
 * (ForkServer, OP.FORK).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { type AgentHello, AgentProtocolError } from '../../src/agent/client.ts';
import { encodeRequest, FrameSplitter, OP, Reader, ST_OK, type Response } from '../../src/agent/protocol.ts';

/** How to start an agent. */
export interface AgentOptions {
  /** The agent binary (build/real/agent). */
  binary: string;
  /** Command-line flags: --unshare, --join PID, --uid N, --name COMM, … */
  args?: string[];
}

export { type AgentHello, AgentProtocolError } from '../../src/agent/client.ts';

const decodeHello = (body: Uint8Array): AgentHello => {
  const r = new Reader(body);
  return { pid: r.i32(), uid: r.u32(), gid: r.u32(), version: r.u32() };
};

/** The byte streams of an agent and how to end it. */
interface Channel {
  input: Writable;
  output: Readable;
  stderr?: Readable;
  /** Kill the agent's process. */
  kill(): void;
  /** Resolves once the channel is closed, with the exit status if known. */
  closed: Promise<{ code: number | null; signal?: string | null }>;
  /** What to call it in errors. */
  what: string;
}

/** A live agent. */
export class Agent {
  /** The child process, for agents started with Agent.start. */
  readonly child?: ChildProcess;
  private tag = 0;
  private readonly pending = new Map<number, { resolve: (r: Response) => void; reject: (e: Error) => void }>();
  private readonly splitter = new FrameSplitter();
  private stderr = '';
  private ended: Error | null = null;
  private requestedExit: number | null = null;
  /** Resolves with the exit status (or 128 + signal) when the agent ends. */
  readonly exited: Promise<number>;
  hello!: AgentHello;

  private constructor(
    private readonly ch: Channel,
    child?: ChildProcess,
  ) {
    this.child = child;
    ch.output.on('data', (c: Buffer) => this.onData(new Uint8Array(c.buffer, c.byteOffset, c.byteLength)));
    ch.stderr?.on('data', (c: Buffer) => {
      this.stderr += c.toString();
    });
    // A write to an agent that died is reported through `exited`, not as an unhandled error.
    ch.input.on('error', () => {});
    ch.output.on('error', () => {});
    this.exited = ch.closed.then(({ code, signal }) => {
      const why =
        this.stderr.trim() || (signal ? `killed by ${signal}` : `exit status ${code ?? this.requestedExit ?? '?'}`);
      this.fail(new Error(`the agent ${ch.what} ended: ${why}`));
      if (code !== null) return code;
      if (signal) return 128 + (signal === 'SIGKILL' ? 9 : 15);
      return this.requestedExit ?? 137;
    });
  }

  private onData(chunk: Uint8Array): void {
    let responses: Response[];
    try {
      responses = this.splitter.push(chunk);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    for (const r of responses) {
      const p = this.pending.get(r.tag);
      if (!p) {
        this.fail(new AgentProtocolError(`agent answered tag ${r.tag}, which was never asked`));
        return;
      }
      this.pending.delete(r.tag);
      p.resolve(r);
    }
  }

  /** Start an agent process and wait for its HELLO (so namespace or privilege errors surface here). */
  static async start(opts: AgentOptions): Promise<Agent> {
    const child = spawn(opts.binary, ['--pdeathsig', ...(opts.args ?? [])], { stdio: ['pipe', 'pipe', 'pipe'] });
    const closed = new Promise<{ code: number | null; signal?: string | null }>((resolve) => {
      child.on('error', (e) =>
        resolve({
          code: 127,
          signal: `a failed start (${e.message}; build it with \`node sandboxes/real/build.mjs\`)`,
        }),
      );
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    const a = new Agent(
      {
        input: child.stdin!,
        output: child.stdout!,
        stderr: child.stderr!,
        closed,
        what: `${opts.binary} (pid ${child.pid ?? '?'})`,
        kill: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        },
      },
      child,
    );
    a.hello = decodeHello((await a.call(OP.HELLO)).body);
    return a;
  }

  /** An agent forked by another, already connected and introduced (its HELLO was read). */
  static fromSocket(sock: Socket, hello: AgentHello, rest: Uint8Array): Agent {
    const closed = new Promise<{ code: number | null }>((resolve) => sock.on('close', () => resolve({ code: null })));
    const a = new Agent({
      input: sock,
      output: sock,
      closed,
      what: `forked agent (pid ${hello.pid})`,
      kill: () => {
        try {
          process.kill(hello.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      },
    });
    a.hello = hello;
    if (rest.length) a.onData(rest);
    return a;
  }

  private fail(e: Error): void {
    if (!this.ended) this.ended = e;
    for (const p of this.pending.values()) p.reject(this.ended);
    this.pending.clear();
  }

  /** Send one request; resolves with the response (status ST_OK), rejects on a malformed request or a dead agent. */
  async call(op: number, args?: Uint8Array): Promise<Response> {
    if (this.ended) throw this.ended;
    const tag = ++this.tag >>> 0 || ++this.tag; // tag 0 is the forked child's own HELLO
    const r = await new Promise<Response>((resolve, reject) => {
      this.pending.set(tag, { resolve, reject });
      this.ch.input.write(encodeRequest(tag, op, args));
    });
    if (r.status !== ST_OK) throw new AgentProtocolError(`agent refused op ${op}: ${new TextDecoder().decode(r.body)}`);
    return r;
  }

  /** Send raw bytes to the agent (for tests of malformed input). */
  writeRaw(bytes: Uint8Array): void {
    this.ch.input.write(bytes);
  }

  /** Wait for the next response to a tag the caller chose itself (after writeRaw). */
  expect(tag: number): Promise<Response> {
    return new Promise((resolve, reject) => {
      if (this.ended) {
        reject(this.ended);
        return;
      }
      this.pending.set(tag, { resolve, reject });
    });
  }

  /** End the process with an exit status (its sockets close, as at exit(2)). */
  async exit(status: number): Promise<void> {
    if (this.ended) return;
    this.requestedExit = status;
    try {
      await this.call(OP.EXIT, new Uint8Array(new Int32Array([status]).buffer));
    } catch {
      /* already gone */
    }
    await this.exited;
  }

  /** Kill the agent at once (it may be blocked in a syscall). */
  kill(): void {
    this.ch.kill();
  }
}

/**
 * Where forked agents connect back: a unix socket in a fresh temporary directory (a path, not an
 * abstract name, so children in another network namespace reach it too).
 */
export class ForkServer {
  /** The socket's path, passed to OP.FORK. */
  readonly path: string;
  private readonly dir: string;
  private readonly server: Server;
  private readonly arrived = new Map<number, Agent>();
  private readonly waiting = new Map<number, (a: Agent) => void>();
  private readonly ready: Promise<void>;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'netlink-lab-fork-'));
    // Children running as another uid (a fork of a uid-65534 process) must reach the socket.
    chmodSync(this.dir, 0o711);
    this.path = join(this.dir, 'agents.sock');
    this.server = createServer((sock) => this.introduce(sock));
    this.ready = new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.path, () => {
        chmodSync(this.path, 0o777);
        resolve();
      });
    });
  }

  /** Resolves once the socket accepts connections. */
  listening(): Promise<void> {
    return this.ready;
  }

  /** Read the child's unasked HELLO (tag 0), then hand it to whoever waits for its pid. */
  private introduce(sock: Socket): void {
    const splitter = new FrameSplitter();
    const onData = (c: Buffer) => {
      let frames: Response[];
      try {
        frames = splitter.push(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
      } catch {
        sock.destroy();
        return;
      }
      if (!frames.length) return;
      sock.off('data', onData);
      const first = frames[0];
      if (first.tag !== 0 || first.op !== OP.HELLO || first.status !== ST_OK) {
        sock.destroy();
        return;
      }
      // Nothing else is sent before the first request, so no bytes are left over.
      const agent = Agent.fromSocket(sock, decodeHello(first.body), new Uint8Array(0));
      const w = this.waiting.get(agent.hello.pid);
      if (w) {
        this.waiting.delete(agent.hello.pid);
        w(agent);
      } else this.arrived.set(agent.hello.pid, agent);
    };
    sock.on('data', onData);
    sock.on('error', () => {});
  }

  /** The agent forked with this pid, once it has connected (rejects after `ms`). */
  take(pid: number, ms = 10_000): Promise<Agent> {
    const a = this.arrived.get(pid);
    if (a) {
      this.arrived.delete(pid);
      return Promise.resolve(a);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(pid);
        reject(new Error(`the forked agent ${pid} did not connect to ${this.path} within ${ms} ms`));
      }, ms);
      this.waiting.set(pid, (agent) => {
        clearTimeout(timer);
        resolve(agent);
      });
    });
  }

  /** Stop listening and remove the socket. */
  close(): void {
    this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
