/**
 * The class API on both databases: tokens, a class reading only its own data, payload and rate
 * limits, malformed requests answered 4xx with nothing changed, and verified completion (the
 * server re-runs the code with the lesson's checks; the page's "passed" decides nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/server/course.ts';
import { DB_KINDS, startTestServer, type TestServer } from './harness.ts';

const course = loadCourse();
const LESSON = '01-mechanisms/01-user-and-kernel';
const lesson = course.get(LESSON)!;

describe.each(DB_KINDS)('class API on %s', (kind) => {
  let s: TestServer;
  let teacher: { id: string; teacherToken: string; joinCode: string };
  let other: { id: string; teacherToken: string; joinCode: string };
  let alice: string;
  let bob: string;
  let eve: string;

  beforeAll(async () => {
    s = await startTestServer(kind, { ratePerMinute: { student: 40, open: 30, teacher: 200 } });
    teacher = (await s.call('POST', '/class-api/classes', { body: { name: 'Netlink 101' } })).json;
    other = (await s.call('POST', '/class-api/classes', { body: { name: 'Other class' } })).json;
    alice = (await s.call('POST', '/class-api/join', { body: { code: teacher.joinCode, name: 'Alice' } })).json
      .studentToken;
    bob = (await s.call('POST', '/class-api/join', { body: { code: teacher.joinCode.toLowerCase(), name: 'Bob' } }))
      .json.studentToken;
    eve = (await s.call('POST', '/class-api/join', { body: { code: other.joinCode, name: 'Eve' } })).json.studentToken;
  }, 400_000);
  afterAll(async () => {
    await s?.close();
  });

  const counts = async () => {
    const n = async (t: 'classes' | 'students' | 'progress' | 'submissions') =>
      Number(
        (
          await s.database.db
            .selectFrom(t)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      classes: await n('classes'),
      students: await n('students'),
      progress: await n('progress'),
      submissions: await n('submissions'),
    };
  };

  it('gives a teacher token and a join code; students join with a name', async () => {
    expect(teacher.teacherToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(teacher.joinCode).toMatch(/^[A-Z0-9]{8}$/);
    expect(alice).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const me = await s.call('GET', '/class-api/me', { token: alice });
    expect(me.json).toMatchObject({
      student: { name: 'Alice' },
      class: { id: teacher.id, name: 'Netlink 101', hideSolutions: false },
    });
    const view = await s.call('GET', `/class-api/classes/${teacher.id}`, { token: teacher.teacherToken });
    expect(view.json.students.map((x: { name: string }) => x.name)).toEqual(['Alice', 'Bob']);
    expect(view.json.lessons.length).toBe(course.size);
  });

  it('lets a class read only its own data', async () => {
    expect((await s.call('GET', `/class-api/classes/${teacher.id}`, { token: other.teacherToken })).status).toBe(403);
    expect((await s.call('GET', `/class-api/classes/${teacher.id}`, { token: alice })).status).toBe(403);
    expect((await s.call('GET', `/class-api/classes/${teacher.id}`)).status).toBe(401);
    expect((await s.call('GET', `/class-api/classes/${'0'.repeat(16)}`, { token: teacher.teacherToken })).status).toBe(
      403,
    );
    const view = await s.call('GET', `/class-api/classes/${other.id}`, { token: other.teacherToken });
    expect(view.json.students.map((x: { name: string }) => x.name)).toEqual(['Eve']);
    // Bob's id in the other teacher's class: not found there.
    const bobId = (await s.call('GET', '/class-api/me', { token: bob })).json.student.id;
    expect(
      (await s.call('GET', `/class-api/classes/${other.id}/students/${bobId}/${LESSON}`, { token: other.teacherToken }))
        .status,
    ).toBe(404);
    expect((await s.call('GET', '/class-api/me', { token: 'x'.repeat(32) })).status).toBe(401);
  });

  it('answers malformed requests with a clear 4xx and changes nothing', async () => {
    const before = await counts();
    const bad: [string, string, Parameters<TestServer['call']>[2], number, RegExp][] = [
      ['POST', '/class-api/classes', { raw: '{"name":' }, 400, /not valid JSON/],
      ['POST', '/class-api/classes', { body: { name: '' } }, 400, /name/],
      ['POST', '/class-api/classes', { body: { name: 'x', admin: true } }, 400, /admin|Unrecognized/i],
      ['POST', '/class-api/classes', { raw: 'name=x', type: 'application/x-www-form-urlencoded' }, 415, /JSON/],
      ['POST', '/class-api/join', { body: { code: 'NOPE', name: 'Mallory' } }, 400, /join code/],
      ['POST', '/class-api/join', { body: { code: 'ZZZZZZZZ', name: 'Mallory' } }, 404, /no class/],
      [
        'POST',
        '/class-api/report',
        {
          token: alice,
          body: { type: 'run', lessonId: '../../etc', files: { 'main.ts': '' }, output: '', passed: true },
        },
        400,
        /lessonId/,
      ],
      [
        'POST',
        '/class-api/report',
        {
          token: alice,
          body: { type: 'run', lessonId: '09-nothing/01-here', files: { 'main.ts': '' }, output: '', passed: true },
        },
        404,
        /no lesson/,
      ],
      [
        'POST',
        '/class-api/report',
        { token: alice, body: { type: 'run', lessonId: LESSON, files: { '../x.ts': '' }, output: '', passed: true } },
        400,
        /file names/,
      ],
      ['POST', '/class-api/report', { token: alice, body: { type: 'time', lessonId: LESSON, ms: -5 } }, 400, /ms/],
      ['POST', '/class-api/report', { token: alice, body: { type: 'grade', lessonId: LESSON } }, 400, /type/],
      [
        'POST',
        '/class-api/report',
        {
          token: alice,
          raw: JSON.stringify({
            type: 'run',
            lessonId: LESSON,
            files: { 'main.ts': 'x'.repeat(300_000) },
            output: '',
            passed: true,
          }),
        },
        413,
        /larger/,
      ],
      [
        'POST',
        '/class-api/report',
        {
          token: alice,
          body: { type: 'run', lessonId: LESSON, files: { 'main.ts': 'x'.repeat(200_000) }, output: '', passed: true },
        },
        400,
        /characters of code/,
      ],
      ['POST', '/class-api/report', { body: { type: 'hint', lessonId: LESSON } }, 401, /Bearer/],
      [
        'PATCH',
        `/class-api/classes/${teacher.id}`,
        { token: teacher.teacherToken, body: { assigned: ['01-mechanisms/99-none'] } },
        400,
        /no such lesson/,
      ],
      [
        'PATCH',
        `/class-api/classes/${teacher.id}`,
        { token: teacher.teacherToken, body: { hideSolutions: 'yes' } },
        400,
        /hideSolutions/,
      ],
      ['DELETE', `/class-api/classes/${teacher.id}`, { token: teacher.teacherToken }, 405, /DELETE/],
      ['GET', '/class-api/nothing', {}, 404, /no GET/],
    ];
    for (const [m, p, o, status, msg] of bad) {
      const r = await s.call(m, p, o);
      expect({ m, p, status: r.status }).toEqual({ m, p, status });
      expect(r.json?.error).toMatch(msg);
    }
    expect(await counts()).toEqual(before);
    const view = await s.call('GET', `/class-api/classes/${teacher.id}`, { token: teacher.teacherToken });
    expect(view.json.class).toMatchObject({ hideSolutions: false, assigned: [] });
  });

  it('limits the requests a student makes per minute (429 with Retry-After)', async () => {
    const flood = (await s.call('POST', '/class-api/join', { body: { code: teacher.joinCode, name: 'Flood' } })).json
      .studentToken;
    const statuses: number[] = [];
    for (let i = 0; i < 42; i++)
      statuses.push(
        (await s.call('POST', '/class-api/report', { token: flood, body: { type: 'hint', lessonId: LESSON } })).status,
      );
    expect(statuses.slice(0, 40).every((x) => x === 202)).toBe(true);
    expect(statuses.slice(40)).toEqual([429, 429]);
    const r = await s.call('POST', '/class-api/report', { token: flood, body: { type: 'hint', lessonId: LESSON } });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    // The others are not affected.
    expect(
      (await s.call('POST', '/class-api/report', { token: bob, body: { type: 'hint', lessonId: LESSON } })).status,
    ).toBe(202);
  });

  it('verifies on the server: own work is verified, the solution is not, a forged "passed" changes nothing', async () => {
    const own = {
      ...lesson.solution,
      [lesson.data.entry]: `const mine = 'written by Alice';\n${lesson.solution[lesson.data.entry]}`,
    };
    // Alice: her own passing program.
    expect(
      (
        await s.call('POST', '/class-api/report', {
          token: alice,
          body: { type: 'run', lessonId: LESSON, files: own, output: 'ok', passed: true },
        })
      ).json,
    ).toMatchObject({ verification: 'queued' });
    // Bob: opens the solution, runs it; then forges a pass for the starting code.
    expect(
      (await s.call('POST', '/class-api/report', { token: bob, body: { type: 'solution', lessonId: LESSON } })).status,
    ).toBe(202);
    await s.call('POST', '/class-api/report', {
      token: bob,
      body: { type: 'run', lessonId: LESSON, files: lesson.solution, output: '', passed: true },
    });
    // Eve (other class): forges "checks passed" for the starting code, which fails its checks.
    await s.call('POST', '/class-api/report', {
      token: eve,
      body: { type: 'run', lessonId: LESSON, files: lesson.files, output: 'Every check passed', passed: true },
    });
    await s.server.drain();
    const g = (await s.call('GET', `/class-api/classes/${teacher.id}/grid`, { token: teacher.teacherToken })).json;
    const byName = Object.fromEntries(
      g.students.map((x: { id: string; name: string }) => [x.name, g.cells[x.id]?.[LESSON]]),
    );
    expect(byName.Alice).toMatchObject({ state: 'verified', runs: 1 });
    expect(byName.Bob).toMatchObject({ state: 'solution', solutionViewed: true });
    const og = (await s.call('GET', `/class-api/classes/${other.id}/grid`, { token: other.teacherToken })).json;
    const eveCell = og.cells[og.students[0].id][LESSON];
    expect(eveCell.state).toBe('failed');
    expect(eveCell.why).toMatch(/checks passed; failed/);
    // The teacher sees Alice's latest code and output.
    const aliceId = g.students.find((x: { name: string }) => x.name === 'Alice').id;
    const detail = (
      await s.call('GET', `/class-api/classes/${teacher.id}/students/${aliceId}/${LESSON}`, {
        token: teacher.teacherToken,
      })
    ).json;
    expect(detail.latestCode[lesson.data.entry]).toContain('written by Alice');
    expect(detail.latestOutput).toBe('ok');
    expect(detail.submissions[0]).toMatchObject({ verdict: 'pass', afterSolution: false, isSolution: false });
    // CSV export.
    const csv = await s.call('GET', `/class-api/classes/${teacher.id}/export.csv`, { token: teacher.teacherToken });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.text).toContain(`Alice,${LESSON},verified,1,`);
    expect(csv.text).toContain(`Bob,${LESSON},solution,`);
  }, 180_000);

  it('hides solutions and assigns lessons for the class', async () => {
    const r = await s.call('PATCH', `/class-api/classes/${teacher.id}`, {
      token: teacher.teacherToken,
      body: { hideSolutions: true, assigned: [LESSON] },
    });
    expect(r.json.class).toMatchObject({ hideSolutions: true, assigned: [LESSON] });
    expect((await s.call('GET', '/class-api/me', { token: alice })).json.class).toMatchObject({
      hideSolutions: true,
      assigned: [LESSON],
    });
    expect((await s.call('GET', '/class-api/me', { token: eve })).json.class).toMatchObject({
      hideSolutions: false,
      assigned: [],
    });
  });
});
