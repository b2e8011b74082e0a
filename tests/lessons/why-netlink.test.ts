/**
 * Lesson 1.6's kernel side: with the user side solved but news.ts as given, exactly the nl_news
 * check fails, and says what it saw (the line reached the module, nothing reached the group) with
 * graded hints; with news.ts solved, it passes. The VM's C twin (sandboxes/vm/modules/nl_news.c)
 * is compared with the solution by tests/vm/course.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { loadLessons } from './load-lessons.ts';
import { runProgram } from './run-program.ts';

const lesson = loadLessons().find((l) => l.id === '01-mechanisms/06-why-netlink')!;
const NEWS_CHECK = 'the module nl_news pushes the new line to its group "news"';

describe('lesson 1.6: the module pushes instead of the program polling', () => {
  it('with the starting news.ts, only the kernel-side check fails, and it explains what it saw', async () => {
    const files = { ...lesson.solution, 'news.ts': lesson.files['news.ts']! };
    const r = await runProgram(files, lesson.data.entry, lesson.checks);
    expect(r.checksError).toBeUndefined();
    expect(r.output).toContain('procfs:  /proc/nl_news reads "nl_news is loaded"');
    expect(r.output).toContain('netlink: nothing arrived on the group "news" (recv: EAGAIN)');
    const failed = r.checks.filter((c) => !c.pass);
    expect(failed.map((c) => c.name)).toEqual([NEWS_CHECK]);
    expect(failed[0]!.message).toMatch(
      /The write reached the module \(\/proc\/nl_news reads "nl_news is loaded"\), but nothing arrived on the group "news"/,
    );
    expect(failed[0]!.hints).toHaveLength(3);
    expect(failed[0]!.hints![2]).toContain('genlmsg_multicast(nl_news_family, skb, 0, NL_NEWS_GRP)');
  });

  it('with the solved news.ts, the group delivers the line the program wrote', async () => {
    const r = await runProgram(lesson.solution, lesson.data.entry, lesson.checks);
    expect(r.output).toMatch(/netlink: group mask 0x[0-9a-f]+ pushed NL_NEWS "nl_news is loaded"/);
    const c = r.checks.find((x) => x.name === NEWS_CHECK)!;
    expect(c.pass).toBe(true);
    expect(c.message).toMatch(/received NL_NEWS_C_NEWS "nl_news is loaded" from group mask 0x[0-9a-f]+/);
  });

  it('a module that pushes another line than the one written fails, saying so', async () => {
    const wrong = lesson.solution['news.ts']!.replace('nl_news_notify(latest);', "nl_news_notify('something else');");
    expect(wrong).not.toBe(lesson.solution['news.ts']);
    const r = await runProgram({ ...lesson.solution, 'news.ts': wrong }, lesson.data.entry, lesson.checks);
    const c = r.checks.find((x) => x.name === NEWS_CHECK)!;
    expect(c.pass).toBe(false);
    expect(c.message).toContain(
      'The group delivered "something else", but the line written to /proc/nl_news was "nl_news is loaded"',
    );
  });
});
