/**
 * The class server, one instance on loopback: STUDENTS students post progress concurrently (each
 * a run report of a lesson's starting code, a hint, or time spent, as the lesson pages send them)
 * for a fixed number of requests, on PGlite (embedded) and on a throwaway PostgreSQL 15; then a
 * teacher's grid read for the whole class. Verification is off here (it is a separate, sandboxed
 * process per run, timed by the sandbox tests): this measures the API and the database.
 * Bounded: REQUESTS requests per database, and each phase stops at LIMIT_S seconds.
 */
import { startTestServer, type DbKind } from '../class/harness.ts';
import { loadCourse } from '../../src/server/course.ts';

const STUDENTS = 40;
const REQUESTS = 1000;
const LIMIT_S = 60;
const LESSON = '02-raw-netlink/01-first-socket';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
};

async function bench(kind: DbKind): Promise<void> {
  const lesson = loadCourse().get(LESSON)!;
  const s = await startTestServer(kind, {
    verifiers: 0,
    ratePerMinute: { student: 1_000_000, open: 1_000_000, teacher: 1_000_000 },
  });
  try {
    const c = (await s.call('POST', '/class-api/classes', { body: { name: 'bench' } })).json;
    const tokens: string[] = [];
    for (let i = 0; i < STUDENTS; i++)
      tokens.push(
        (await s.call('POST', '/class-api/join', { body: { code: c.joinCode, name: `student ${i}` } })).json
          .studentToken,
      );
    const bodies = [
      { type: 'run', lessonId: LESSON, files: lesson.files, output: 'fd 3\nbound to port 1234', passed: false },
      { type: 'hint', lessonId: LESSON },
      { type: 'time', lessonId: LESSON, ms: 30_000 },
    ];
    const lat: number[] = [];
    let errors = 0;
    let next = 0;
    const deadline = performance.now() + LIMIT_S * 1000;
    const started = performance.now();
    await Promise.all(
      tokens.map(async (token, i) => {
        for (let k = 0; ; k++) {
          const n = next++;
          if (n >= REQUESTS || performance.now() > deadline) return;
          const t = performance.now();
          try {
            const r = await fetch(`${s.origin}/class-api/report`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify(bodies[(i + k) % bodies.length]),
            });
            await r.arrayBuffer();
            if (r.status !== 202) errors++;
          } catch {
            errors++;
          }
          lat.push(performance.now() - t);
        }
      }),
    );
    const secs = (performance.now() - started) / 1000;
    console.log(
      `class ${kind} progress posts (${STUDENTS} students, ${lat.length} requests): ${(lat.length / secs).toFixed(0)} requests/s`,
    );
    console.log(`class ${kind} progress post p50: ${pct(lat, 0.5).toFixed(1)} ms`);
    console.log(`class ${kind} progress post p99: ${pct(lat, 0.99).toFixed(1)} ms`);
    console.log(`class ${kind} progress post errors: ${errors}`);
    const g: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await s.call('GET', `/class-api/classes/${c.id}/grid`, { token: c.teacherToken });
      g.push(performance.now() - t);
    }
    console.log(`class ${kind} teacher grid read (${STUDENTS} students) p50: ${pct(g, 0.5).toFixed(1)} ms`);
  } finally {
    await s.close();
  }
}

export default async function run(): Promise<void> {
  for (const kind of ['pglite', 'postgres'] as const) await bench(kind);
}
