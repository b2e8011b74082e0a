/**
 * The globals that Node and browsers (window and worker alike) both provide, declared for the
 * layers that must run in either: the simulated kernel's host (sandboxes/sim/host, the kernel
 * modules in sandboxes/sim/modules) and the public API (src/api, src/lib). They are built with
 * `lib: ["ES2022"]` and `types: []`, so `document`, `window`, `process`, `Buffer` and `node:*`
 * modules do not typecheck there (tests/layers/layers.test.ts proves it). Add a global here only if
 * both platforms have it.
 */
/// <reference path="./wasm.d.ts" />

interface TextEncoderEncodeIntoResult {
  read: number;
  written: number;
}
declare class TextEncoder {
  readonly encoding: string;
  encode(input?: string): Uint8Array;
  encodeInto(source: string, destination: Uint8Array): TextEncoderEncodeIntoResult;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  readonly encoding: string;
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}
interface MessagePortLike {
  onmessage: ((ev: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}
declare class MessageChannel {
  readonly port1: MessagePortLike;
  readonly port2: MessagePortLike;
}
declare function queueMicrotask(callback: () => void): void;
declare function setTimeout(handler: (...args: unknown[]) => void, timeout?: number, ...args: unknown[]): unknown;
declare function clearTimeout(id: unknown): void;
declare function structuredClone<T>(value: T): T;
declare const console: {
  log(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  info(...data: unknown[]): void;
  debug(...data: unknown[]): void;
};
