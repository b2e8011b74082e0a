import { describe, expect, it } from 'vitest';
import { decodeShare, encodeShare, shareParam, shareUrl } from './share.ts';

describe('share links', () => {
  it('round-trip files through the URL fragment', async () => {
    const files = {
      'main.ts': "import { socket } from 'netlink-lab/user';\nconsole.log('ünïcode ✓', `${1 + 1}`);\n".repeat(40),
      'module.ts': '',
    };
    const value = await encodeShare({ lessonId: 'raw-netlink/first-socket', files });
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(value.length).toBeLessThan(JSON.stringify(files).length / 4);
    const url = shareUrl('http://127.0.0.1:4321/lessons/x/?q=1#old', value);
    expect(url.startsWith('http://127.0.0.1:4321/lessons/x/?q=1#code=')).toBe(true);
    expect(await decodeShare(shareParam(new URL(url).hash)!)).toEqual({ lessonId: 'raw-netlink/first-socket', files });
  });

  it('says so when a link is damaged', async () => {
    const value = await encodeShare({ lessonId: 'a', files: { 'main.ts': 'x' } });
    await expect(decodeShare(value.slice(0, -4))).rejects.toThrow(/damaged/);
    expect(shareParam('#other=1')).toBeUndefined();
  });

  it('refuses a small link that inflates past the cap, without inflating all of it', async () => {
    const big = new TextEncoder().encode(JSON.stringify({ v: 1, l: 'a', f: { 'main.ts': ' '.repeat(50 << 20) } }));
    const packed = new Uint8Array(
      await new Response(
        new Blob([big as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw')),
      ).arrayBuffer(),
    );
    let s = '';
    for (let i = 0; i < packed.length; i += 0x8000) s += String.fromCharCode(...packed.subarray(i, i + 0x8000));
    const value = btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(value.length).toBeLessThan(200_000);
    await expect(decodeShare(value)).rejects.toThrow(/more than 1 MiB/);
  });
});
