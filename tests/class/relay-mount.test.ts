/**
 * The class server passes WebSockets on /relay/ through to the VM relay (sandboxes/vm/relay,
 * unchanged, on a loopback port): the relay's own answers come back through it. Needs the VM
 * image (npm run vm:build); no VM is booted here.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { vmImage } from '../../sandboxes/vm/qemu.ts';
import { startRelay } from '../../sandboxes/vm/relay/relay.ts';
import { startTestServer } from './harness.ts';

function upgrade(port: number, path: string, origin: string): Promise<string> {
  return new Promise((ok, fail) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
      // The status line and headers are all this test reads; a 101 would go on to a VM session.
      if (got.includes('\r\n\r\n')) {
        s.destroy();
        ok(got);
      }
    });
    s.on('end', () => ok(got));
    s.on('close', () => ok(got));
    s.on('error', fail);
  });
}

describe('the VM relay under /relay/', () => {
  it('reaches the relay through the class server', async () => {
    let image;
    try {
      image = vmImage();
    } catch (e) {
      throw new Error(`no VM image: build it with \`npm run vm:build\` (${(e as Error).message})`);
    }
    const relay = await startRelay({
      image,
      host: '127.0.0.1',
      port: 0,
      origins: ['http://class.example'],
      log: () => {},
    });
    const s = await startTestServer('pglite', { relayPort: relay.port, verifiers: 0 });
    try {
      const port = Number(new URL(s.origin).port);
      expect(await upgrade(port, '/relay/', 'http://class.example')).toMatch(/^HTTP\/1.1 401[\s\S]*No token/);
      expect(await upgrade(port, '/relay/?token=wrong', 'http://class.example')).toMatch(
        /^HTTP\/1.1 401[\s\S]*Wrong token/,
      );
      expect(await upgrade(port, `/relay/?token=${relay.token}`, 'http://elsewhere.example')).toMatch(/^HTTP\/1.1 403/);
      expect(await upgrade(port, '/other/', 'http://class.example')).toMatch(/^HTTP\/1.1 404/);
    } finally {
      await s.close();
      await relay.close();
    }
  }, 400_000);
});
