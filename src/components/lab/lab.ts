/** The lab page's script: the message builder (Playground.astro mounts the playground itself). */
import { KERNEL_WASM } from '../playground/playground.ts';
import { BuilderView } from './builder-view.ts';

export function startLab(): void {
  const root = document.querySelector<HTMLElement>('[data-builder]');
  if (!root) return;
  const kernel = (): 'sim' | 'vm' =>
    document.querySelector<HTMLInputElement>('[data-playground] [data-kernel-switch] input:checked')?.value === 'vm'
      ? 'vm'
      : 'sim';
  const view = new BuilderView(root, { wasmUrl: KERNEL_WASM, kernel });
  view.start();
  const status = root.querySelector('[data-builder-status]');
  if (status) status.textContent = 'Ready. Send uses the kernel chosen in the playground above.';
}
