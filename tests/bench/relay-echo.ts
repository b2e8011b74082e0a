/**
 * Keystroke-to-echo latency through the relay, as the lesson terminal sees it: a key sent as a
 * console frame on the WebSocket, through the relay to QEMU's serial port, echoed by the guest's
 * tty and shell, and back as a console frame. Used by tests/bench/vm.bench.ts.
 */
import WebSocket from 'ws';
import { connectRelay, type WebSocketClass } from '../../src/runtime/vm/relay-client.ts';
import { startRelay } from '../../sandboxes/vm/relay/relay.ts';

/** The figures of one measurement, in ms. */
export interface EchoLatency {
  median: number;
  p90: number;
  min: number;
  max: number;
  samples: number;
}

/**
 * Start a relay in this process, open one session, wait for the shell, then type `keys`
 * characters one at a time, each after the previous one's echo; the line is erased afterwards.
 */
export async function measureKeystrokeEcho(keys = 50): Promise<EchoLatency> {
  const relay = await startRelay({ port: 0, maxSessions: 1, log: () => {} });
  let pending: { key: string; t0: number; done(ms: number): void } | null = null;
  const dec = new TextDecoder();
  const s = connectRelay(
    relay.url,
    {
      console: (b) => {
        if (pending && dec.decode(b).includes(pending.key)) {
          const p = pending;
          pending = null;
          p.done(performance.now() - p.t0);
        }
      },
    },
    WebSocket as unknown as WebSocketClass,
  );
  try {
    await s.ready;
    // Let the shell finish printing its prompt before timing.
    await new Promise((r) => setTimeout(r, 500));
    const times: number[] = [];
    const alphabet = 'abcdefghijklmnopqrstuvwxyz';
    for (let i = 0; i < keys; i++) {
      const key = alphabet[i % alphabet.length]!;
      const ms = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no echo of "${key}" within 5 s`)), 5000);
        pending = {
          key,
          t0: performance.now(),
          done: (v) => {
            clearTimeout(timer);
            resolve(v);
          },
        };
        s.sendConsole(key);
      });
      times.push(ms);
    }
    s.sendConsole('\x15'); // ^U: erase the typed line
    const sorted = [...times].sort((a, b) => a - b);
    return {
      median: sorted[Math.floor(sorted.length / 2)]!,
      p90: sorted[Math.floor(sorted.length * 0.9)]!,
      min: sorted[0]!,
      max: sorted[sorted.length - 1]!,
      samples: sorted.length,
    };
  } finally {
    s.close();
    await relay.close();
  }
}
