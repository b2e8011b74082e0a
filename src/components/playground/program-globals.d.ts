/**
 * The globals a learner's program sees in the playground (besides ES2023): the console the
 * playground prints, text encoding and timers. Used only by the editor's type checker.
 */
interface Console {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
}
declare var console: Console;

interface TextEncoder {
  encode(input?: string): Uint8Array;
  readonly encoding: string;
}
declare var TextEncoder: { prototype: TextEncoder; new (): TextEncoder };
interface TextDecoderOptions {
  fatal?: boolean;
  ignoreBOM?: boolean;
}
interface TextDecodeOptions {
  stream?: boolean;
}
interface TextDecoder {
  decode(input?: ArrayBufferView | ArrayBuffer, options?: TextDecodeOptions): string;
  readonly encoding: string;
}
declare var TextDecoder: { prototype: TextDecoder; new (label?: string, options?: TextDecoderOptions): TextDecoder };

/** Wall-clock timers. In the simulated kernel prefer sleep() from netlink-lab/user: it uses virtual time. */
declare function setTimeout(handler: (...args: unknown[]) => void, timeout?: number, ...args: unknown[]): number;
declare function clearTimeout(id: number | undefined): void;
declare function queueMicrotask(callback: () => void): void;
declare function structuredClone<T>(value: T): T;
declare function btoa(data: string): string;
declare function atob(data: string): string;
