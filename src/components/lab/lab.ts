/** The lab page's script: the message builder (Playground.astro mounts the playground itself). */
import { KERNEL_WASM } from '../playground/playground.ts';
import { href } from '../../course/url.ts';
import { BuilderView } from './builder-view.ts';

export function startLab(): void {
  const root = document.querySelector<HTMLElement>('[data-builder]');
  if (!root) return;
  // Send uses the playground's switch: the simulator, Linux in this page (v86) or Linux in the VM.
  // (Read here rather than with kernel-switch.ts's kernelChoice, which would load the runner with the page.)
  const kernel = (): 'sim' | 'vm' | 'browser' => {
    const v = document.querySelector<HTMLInputElement>('[data-playground] [data-kernel-switch] input:checked')?.value;
    return v === 'vm' || v === 'browser' ? v : 'sim';
  };
  const view = new BuilderView(root, { wasmUrl: KERNEL_WASM, kernel, siteBase: href('/') });
  view.start();
  const status = root.querySelector('[data-builder-status]');
  if (status)
    status.textContent =
      'Ready. Send uses the kernel chosen in the playground above: simulated, Linux in your browser, or the VM.';
}
