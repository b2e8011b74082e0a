import { describe, expect, it } from 'vitest';
import { decodeShare, encodeShare, shareParam, shareUrl } from './share.ts';

describe('share links', () => {
  it('round-trip files through the URL fragment', async () => {
    const files = { 'main.ts': "import { socket } from 'netlink-lab/user';\nconsole.log('ünïcode ✓', `${1 + 1}`);\n".repeat(40), 'module.ts': '' };
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
});
