/**
 * One running agent (sandboxes/real/agent/agent.c) behind a pair of pipes: send a request, get its
 * response. Requests may be sent while others are pending; the agent answers them in order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { encodeRequest, FrameSplitter, OP, Reader, ST_OK, type Response } from './protocol.ts';

/** How to start an agent. */
export interface AgentOptions {
  /** The agent binary (build/real/agent). */
  binary: string;
  /** Command-line flags: --unshare, --join PID, --uid N, --name COMM, … */
  args?: string[];
}

/** What HELLO reports. */
export interface AgentHello { pid: number; uid: number; gid: number; version: number }

/** A request the agent refused as malformed (a bug in the caller, not a syscall error). */
export class AgentProtocolError extends Error {
  constructor(message: string) { super(message); this.name = 'AgentProtocolError'; }
}

/** A live agent process. */
export class Agent {
  readonly child: ChildProcess;
  private tag = 0;
  private readonly pending = new Map<number, { resolve: (r: Response) => void; reject: (e: Error) => void }>();
  private readonly splitter = new FrameSplitter();
  private stderr = '';
  private ended: Error | null = null;
  /** Resolves with the exit code (or 128 + signal) when the agent process ends. */
  readonly exited: Promise<number>;
  hello!: AgentHello;

  private constructor(opts: AgentOptions) {
    this.child = spawn(opts.binary, ['--pdeathsig', ...(opts.args ?? [])], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (c: Buffer) => {
      let responses: Response[];
      try {
        responses = this.splitter.push(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
      } catch (e) {
        this.fail(e as Error);
        return;
      }
      for (const r of responses) {
        const p = this.pending.get(r.tag);
        if (!p) { this.fail(new AgentProtocolError(`agent answered tag ${r.tag}, which was never asked`)); return; }
        this.pending.delete(r.tag);
        p.resolve(r);
      }
    });
    this.child.stderr!.on('data', (c: Buffer) => { this.stderr += c.toString(); });
    // A write to an agent that died is reported through `exited`, not as an unhandled error.
    this.child.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => { this.fail(new Error(`cannot start the agent ${opts.binary}: ${e.message}. Build it with \`node sandboxes/real/build.mjs\`.`)); resolve(127); });
      this.child.on('close', (code, signal) => {
        const why = this.stderr.trim() || (signal ? `killed by ${signal}` : `exit status ${code}`);
        this.fail(new Error(`the agent (pid ${this.child.pid}) ended: ${why}`));
        resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15));
      });
    });
  }

  /** Start an agent and wait for its HELLO (so namespace or privilege errors surface here). */
  static async start(opts: AgentOptions): Promise<Agent> {
    const a = new Agent(opts);
    const r = new Reader(await a.call(OP.HELLO).then((x) => x.body));
    a.hello = { pid: r.i32(), uid: r.u32(), gid: r.u32(), version: r.u32() };
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
    const tag = ++this.tag >>> 0;
    const r = await new Promise<Response>((resolve, reject) => {
      this.pending.set(tag, { resolve, reject });
      this.child.stdin!.write(encodeRequest(tag, op, args));
    });
    if (r.status !== ST_OK) throw new AgentProtocolError(`agent refused op ${op}: ${new TextDecoder().decode(r.body)}`);
    return r;
  }

  /** Send raw bytes to the agent's stdin (for tests of malformed input). */
  writeRaw(bytes: Uint8Array): void { this.child.stdin!.write(bytes); }

  /** Wait for the next response to a tag the caller chose itself (after writeRaw). */
  expect(tag: number): Promise<Response> {
    return new Promise((resolve, reject) => {
      if (this.ended) { reject(this.ended); return; }
      this.pending.set(tag, { resolve, reject });
    });
  }

  /** End the process with an exit status (its sockets close, as at exit(2)). */
  async exit(status: number): Promise<void> {
    if (this.ended) return;
    try {
      await this.call(OP.EXIT, new Uint8Array(new Int32Array([status]).buffer));
    } catch { /* already gone */ }
    await this.exited;
  }

  /** Kill the agent at once (it may be blocked in a syscall). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
