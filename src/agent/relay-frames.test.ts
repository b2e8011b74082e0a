import { describe, expect, it } from 'vitest';
import {
  CHANNEL,
  FrameError,
  MAX_PAYLOAD,
  decodeBinary,
  decodeClientText,
  decodeServerText,
  encodeControl,
  encodeData,
} from './relay-frames.ts';

describe('relay frames', () => {
  it('round-trips data on the console and on agent ports, splitting long data', () => {
    const data = new Uint8Array(MAX_PAYLOAD + 10).map((_, i) => i & 0xff);
    const frames = encodeData(3, data);
    expect(frames.map((f) => f.length)).toEqual([MAX_PAYLOAD + 1, 11]);
    const back = frames.map((f) => decodeBinary(f, 4));
    expect(back.every((f) => f.kind === 'data' && f.channel === 3)).toBe(true);
    const joined = new Uint8Array(back.flatMap((f) => (f.kind === 'data' ? [...f.payload] : [])));
    expect(joined).toEqual(data);
    const c = decodeBinary(encodeData(CHANNEL.CONSOLE, new TextEncoder().encode('ls\r'))[0]!, 4);
    expect(c).toEqual({ kind: 'data', channel: 0, payload: new TextEncoder().encode('ls\r') });
  });

  it('refuses empty frames, unknown channels and oversized payloads', () => {
    expect(() => decodeBinary(new Uint8Array([]))).toThrow(FrameError);
    expect(() => decodeBinary(new Uint8Array([0]))).toThrow(/at least one byte of data \(got 1 byte\)/);
    expect(() => decodeBinary(new Uint8Array([5, 1]), 4)).toThrow(
      /unknown channel 5 \(0 is the console, 1-4 the agent ports\)/,
    );
    expect(() => decodeBinary(new Uint8Array(MAX_PAYLOAD + 2))).toThrow(/at most 65535 bytes/);
  });

  it('accepts only well-formed control messages', () => {
    expect(decodeClientText(encodeControl({ type: 'ping', id: 7 }))).toEqual({ type: 'ping', id: 7 });
    expect(() => decodeClientText('nope')).toThrow(/JSON object/);
    expect(() => decodeClientText('[1]')).toThrow(/JSON object/);
    expect(() => decodeClientText('{"type":"ping","id":"x"}')).toThrow(/integer "id"/);
    expect(() => decodeClientText('{"type":"exec"}')).toThrow(/unknown control message type "exec"/);
    expect(decodeClientText('{"type":"module","id":1,"op":"load","name":"nl_test","params":["delayed=1"]}')).toEqual({
      type: 'module',
      id: 1,
      op: 'load',
      name: 'nl_test',
      params: ['delayed=1'],
    });
    expect(decodeClientText('{"type":"module","id":2,"op":"unload","name":"nl_test"}')).toEqual({
      type: 'module',
      id: 2,
      op: 'unload',
      name: 'nl_test',
      params: [],
    });
    // What is typed into the VM's shell must be plain.
    expect(() => decodeClientText('{"type":"module","id":1,"op":"load","name":"x; reboot"}')).toThrow(
      /"name" must match/,
    );
    expect(() => decodeClientText('{"type":"module","id":1,"op":"load","name":"x","params":["a=$(id)"]}')).toThrow(
      /"params" must be/,
    );
    expect(() => decodeClientText('{"type":"module","id":1,"op":"rm","name":"x"}')).toThrow(/"op"/);
    expect(decodeClientText('{"type":"kill","id":3,"pid":4100}')).toEqual({ type: 'kill', id: 3, pid: 4100 });
    expect(() => decodeClientText('{"type":"kill","id":3,"pid":1}')).toThrow(/"pid" from 2/);
    expect(() => decodeClientText('{"type":"kill","id":3,"pid":"1; reboot"}')).toThrow(/"pid"/);
    expect(decodeServerText('{"type":"ready","bootMs":5}')).toEqual({ type: 'ready', bootMs: 5 });
    expect(() => decodeServerText('{"type":"x"}')).toThrow(FrameError);
  });
});
