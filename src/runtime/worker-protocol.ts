/**
 * The page → worker half of the run worker's protocol (the other half, FromWorker, and the data
 * both carry are in messages.ts). Apart because it carries MessagePorts: only the page and the
 * worker use it, while messages.ts is also read by the Node side (the CLI, the class server's
 * sandbox), whose layer has no MessagePort type.
 */
import type { ChecksInput } from './messages.ts';

/**
 * Page → worker. The worker answers only on the port it got with 'init' (never with the global
 * postMessage, which the learner's program can call too), so a program cannot forge its results.
 */
export type ToWorker =
  | { type: 'init'; wasmUrl: string; port: MessagePort }
  /**
   * The files the editor holds now: the worker compiles them while the learner reads (before it
   * says 'ready', when they come with the start), so Run does not wait for that. Nothing runs.
   */
  | { type: 'prepare'; files: Record<string, string> }
  /** Run a lesson's checks on what a run recorded (sent to a fresh worker that never ran a program). */
  | { type: 'checks'; runId: number; checks: string; input: ChecksInput }
  | {
      type: 'run';
      runId: number;
      files: Record<string, string>;
      entry: string;
      /** The source of the lesson's checks.ts, run after the program ends. */
      checks?: string;
      /**
       * How the simulated kernel boots: its command line (/proc/cmdline, early_param, __setup) and
       * the files among `files` whose default export is a module built into it (a lesson's
       * front matter `cmdline:` and `builtin:`).
       */
      boot?: { cmdline?: string; builtin?: string[] };
      /** Run on the page's VM instead of a simulated kernel: its agent ports, bridged (src/runtime/vm/agent-link.ts). */
      vm?: { port: MessagePort; ports: number[]; forkPorts?: { port: number; dev: string }[] };
    };
