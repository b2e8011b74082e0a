/**
 * The playground's "Simulated / In browser / Real VM" switch: which kernel a run uses, getting the
 * page's VM ready for a run (through the relay the Terminal panel knows) or the in-browser kernel
 * (v86, loaded only when picked), and the side-by-side comparison of a run on either real kernel
 * with the same program on the simulated kernel.
 */
import type { SyscallRecord } from '../../runtime/messages.ts';
import { Runner } from '../../runtime/client.ts';
import { compareRuns, type Comparison } from '../../runtime/vm/compare.ts';
import { openSharedVm, sharedVm } from '../../runtime/vm/shared-session.ts';
import { findRelayUrl, pendingPageRelay } from './relay-address.ts';

/**
 * A VM run's transport: the MessagePort for the worker, and end() when the run is over —
 * `end(true)` when it was stopped, so its processes left in the VM are ended.
 */
export interface VmRun {
  vm: { port: MessagePort; ports: number[]; forkPorts?: { port: number; dev: string }[] };
  end(abandoned?: boolean): void;
}

/**
 * Get the page's VM ready (booting one through the relay if none runs) and bridge its agent ports
 * for the run worker. Throws with a sentence for the learner when there is no relay.
 */
export async function prepareVmRun(status: (text: string) => void, cmdline = ''): Promise<VmRun> {
  const pending = sharedVm() ? null : pendingPageRelay();
  if (pending) {
    // A link may name any host: the learner chooses in the Terminal panel whether to use it.
    throw new Error(
      `This page's address names a VM relay at ${new URL(pending).host}. Open the Terminal panel below and choose whether to use it, then run again.`,
    );
  }
  const url = sharedVm()?.url ?? findRelayUrl();
  if (!url) {
    throw new Error(
      'To run on a real Linux kernel, start the VM relay (`npm run vm` in the project folder) and paste the URL it prints into the Terminal panel below.',
    );
  }
  // The lesson's kernel command line (front matter `cmdline:`) boots with the VM; an open VM with
  // another line cannot serve (CmdlineMismatch says so).
  const vm = openSharedVm(sharedVm()?.url ?? url, cmdline);
  status('Booting the VM (a few seconds)…');
  try {
    await vm.session.ready;
  } catch (e) {
    throw new Error(`${(e as Error).message}. Check the Terminal panel below.`);
  }
  const b = await vm.bridge();
  return { vm: { port: b.port, ports: b.ports }, end: b.end };
}

/**
 * Get "Linux in your browser" ready — the first time, download (or read from the cache) v86 and the
 * saved machine, with a progress report, and restore it; later runs share that machine — and
 * bridge its agent ports for the run worker, like a VM run's.
 */
export async function prepareBrowserRun(base: string, status: (text: string) => void): Promise<VmRun> {
  const { startPageMachine } = await import('../../runtime/v86/page.ts');
  const { bridgeToPort } = await import('../../runtime/vm/agent-link-port.ts');
  const pm = await startPageMachine(base, (loaded, total, phase) => {
    if (phase === 'start') status('Starting Linux in your browser…');
    else
      status(
        `Loading Linux in your browser: ${(loaded / 1e6).toFixed(1)}${total ? ` of ${(total / 1e6).toFixed(1)}` : ''} MB…`,
      );
    const bar = document.querySelector<HTMLProgressElement>('[data-v86-progress]');
    if (bar) {
      bar.hidden = phase === 'start';
      bar.max = total || 1;
      bar.value = loaded;
    }
  });
  document.documentElement.dataset.v86ReadyMs = String(Math.round(pm.readyMs));
  const b = bridgeToPort(pm.link);
  return { vm: { port: b.port, ports: pm.link.ports, forkPorts: pm.link.forkPorts }, end: () => b.end() };
}

/**
 * Run the same program on a fresh simulated kernel, out of sight, and compare its syscalls with
 * the VM run's. Resolves to the comparison (or rejects if the simulator could not run it).
 */
export async function compareWithSim(o: {
  wasmUrl: string;
  files: Record<string, string>;
  entry: string;
  vmEvents: SyscallRecord[];
  boot?: { cmdline?: string; builtin?: string[] };
}): Promise<Comparison> {
  const runner = new Runner({ wasmUrl: o.wasmUrl });
  const simEvents: SyscallRecord[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      // The same boot as the lesson's simulated runs: its command line and built-in modules.
      void runner.run(
        { files: o.files, entry: o.entry, ...(o.boot ? { boot: o.boot } : {}) },
        {
          batch: (b) => {
            simEvents.push(...b.syscalls);
          },
          checks: () => {},
          exit: () => resolve(),
          killed: (_reason, message) =>
            reject(new Error(`The simulated run for the comparison did not finish: ${message}`)),
        },
      );
    });
  } finally {
    runner.dispose();
  }
  return compareRuns(simEvents, o.vmEvents);
}

/** Fill `box` with the comparison of a VM run with the same program on the simulator. */
export async function showComparison(
  box: HTMLElement,
  o: {
    wasmUrl: string;
    files: Record<string, string>;
    entry: string;
    vmEvents: SyscallRecord[];
    boot?: { cmdline?: string; builtin?: string[] };
  },
): Promise<void> {
  box.hidden = false;
  box.dataset.state = 'running';
  box.textContent = 'Running the same program on the simulated kernel to compare…';
  try {
    const [c, view] = await Promise.all([compareWithSim(o), import('./compare-view.ts')]);
    view.renderComparison(box, c);
    if (o.boot?.cmdline || o.boot?.builtin?.length) {
      // Say how the simulator booted: the lesson's line and built-in code, as its own runs do. The
      // VM booted with the same line appended to its own; Debian's kernel has no built-in code of the lesson.
      const note = document.createElement('p');
      note.className = 'nl-cmp-boot';
      note.dataset.compareBoot = '';
      note.textContent = `Both kernels booted with the lesson's command line${o.boot.cmdline ? ` (${o.boot.cmdline})` : ''}${o.boot.builtin?.length ? `; the simulator also with ${o.boot.builtin.join(', ')} built in, which the VM's Debian kernel cannot have` : ''}.`;
      box.prepend(note);
    }
    box.dataset.state = c.identical ? 'identical' : 'different';
  } catch (e) {
    box.textContent = (e as Error).message;
    box.dataset.state = 'error';
  }
}
