#!/usr/bin/env node
/**
 * `npm test`: every test of the project, in the order their prerequisites need.
 *
 *  1. system packages (installed when missing and root; otherwise says which apt-get to run)
 *  2. builds: the wasm kernel, the real-kernel agent, the VM image, the static site and its index
 *  3. lint (Biome, with the layers' import rules) and the typecheck of each layer (tsconfig.*.json); unit, integration, fidelity (sim vs real) and lesson-code tests   (vitest.config.ts)
 *  4. end-to-end tests in Chromium (the terminal's need the VM image)    (tests/e2e/vitest.config.ts)
 *  5. the VM and relay tests under QEMU                                 (tests/vm/vitest.config.ts)
 *  6. the in-browser kernel (v86) under Node: its image, the CLI, the course comparison; beside 5
 *                                                                       (tests/v86/vitest.config.ts)
 *
 * Ends with one line `N passed, M failed, K skipped` over all suites; exits non-zero if anything
 * failed, including a build. `--only unit|e2e|vm|v86` runs one stage (with its builds).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSystemDeps } from './system-deps.mjs';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const stages = only ? [only] : ['unit', 'e2e', 'vm', 'v86'];
const totals = { passed: 0, failed: 0, skipped: 0 };
const problems = [];
const out = mkdtempSync(join(tmpdir(), 'netlink-lab-test-'));
const started = Date.now();

const say = (s) => console.log(`\n=== ${s} (${((Date.now() - started) / 1000).toFixed(0)} s)`);

/** Run a command; a failure is recorded, not fatal, so later suites still report. */
function step(name, cmd, argv, opts = {}) {
  say(name);
  const r = spawnSync(cmd, argv, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    problems.push(`${name} failed (exit ${r.status ?? r.signal})`);
    totals.failed += 1;
    return false;
  }
  return true;
}

/** Run a vitest config and add its counts to the totals. */
function vitest(name, config) {
  const json = join(out, `${name}.json`);
  step(name, 'npx', [
    'vitest',
    'run',
    '--config',
    config,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${json}`,
  ]);
  count(name, json);
}

/** Add a vitest JSON report's counts to the totals; a missing or failed one is a problem. */
function count(name, json) {
  if (!existsSync(json)) {
    problems.push(`${name}: no results (vitest did not run)`);
    totals.failed += 1;
    return;
  }
  const r = JSON.parse(readFileSync(json, 'utf8'));
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests;
  totals.skipped += r.numPendingTests + r.numTodoTests;
  if (r.numFailedTests || r.numFailedTestSuites)
    problems.push(
      `${name}: ${r.numFailedTests} test(s) failed, in ${r.numFailedTestSuites} failed suite(s) (files and describe blocks)`,
    );
  if (r.numTotalTests === 0) problems.push(`${name}: no test ran`);
}

/**
 * vitest() in a child process that runs while this one goes on; its output is printed, and its
 * counts added, when the returned promise is awaited.
 */
function vitestInBackground(name, config) {
  const json = join(out, `${name}.json`);
  const log = join(out, `${name}.log`);
  const begun = Date.now();
  say(`${name}: started; its output follows the next stage's`);
  const child = spawn(
    'npx',
    ['vitest', 'run', '--config', config, '--reporter=default', '--reporter=json', `--outputFile.json=${json}`],
    { stdio: ['ignore', openSync(log, 'w'), openSync(log, 'a')] },
  );
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      say(`${name} (ran for ${((Date.now() - begun) / 1000).toFixed(0)} s beside the stage above)`);
      process.stdout.write(readFileSync(log));
      if (code !== 0) {
        problems.push(`${name} failed (exit ${code ?? signal})`);
        totals.failed += 1;
      }
      count(name, json);
      resolve();
    });
  });
}

say('system packages');
try {
  ensureSystemDeps([
    'build',
    'namespaces',
    ...(stages.includes('unit') ? ['capture'] : []),
    ...(stages.includes('unit') || stages.includes('e2e') ? ['database'] : []),
    ...(stages.includes('e2e') ? ['browser'] : []),
    ...(stages.includes('vm') || stages.includes('e2e') ? ['vm'] : []),
    ...(stages.includes('v86') || stages.includes('e2e') ? ['v86'] : []),
  ]);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}

step('build: simulated kernel (wasm)', 'npm', ['run', '--silent', 'build:kernel']);
step('build: real-kernel agent', 'node', ['sandboxes/real/build.mjs']);
const vmImage =
  stages.some((s) => s === 'e2e' || s === 'vm') && step('build: VM image', 'bash', ['sandboxes/vm/image/build.sh']);
// Before the site: the site copies public/v86 (the in-browser kernel) into dist/.
const v86Image =
  stages.some((s) => s === 'e2e' || s === 'v86') &&
  step('build: in-browser kernel (v86)', 'bash', ['sandboxes/v86/image/build.sh']);
const site =
  stages.includes('e2e') &&
  step('build: site', 'npx', ['astro', 'build', '--force']) &&
  step('build: search index', 'npx', ['pagefind', '--site', 'dist']);

if (stages.includes('unit')) step('lint (biome, import layers; warnings fail)', 'npm', ['run', '--silent', 'lint']);
if (stages.includes('unit')) step('format check (biome format)', 'npm', ['run', '--silent', 'format:check']);
if (stages.includes('unit'))
  step('typecheck (astro sync, then tsc per layer)', 'npm', ['run', '--silent', 'typecheck']);
if (stages.includes('unit')) vitest('unit, integration, fidelity and lessons', 'vitest.config.ts');
if (site) vitest('end-to-end in Chromium', 'tests/e2e/vitest.config.ts');
// The QEMU and v86 stages run side by side: each emulates one CPU on one thread and spends much of
// its time waiting on the other's guest or on its own boots, so together they take little more than
// the longer one alone. The v86 stage's output is kept and printed after the QEMU stage's.
const v86Stage =
  v86Image &&
  stages.includes('v86') &&
  vitestInBackground('in-browser kernel (v86) under Node', 'tests/v86/vitest.config.ts');
if (vmImage) vitest('VM and relay under QEMU', 'tests/vm/vitest.config.ts');
if (v86Stage) await v86Stage;

say('summary');
for (const p of problems) console.log(`problem: ${p}`);
console.log(`time: ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed || problems.length ? 1 : 0);
