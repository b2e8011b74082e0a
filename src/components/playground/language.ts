/**
 * The editor's TypeScript support, started lazily: the language-service worker (ts-worker.ts)
 * behind Comlink, and per file the codemirror-ts extensions for type-aware completion, hover types
 * and inline type errors.
 */
import * as Comlink from 'comlink';
import { autocompletion } from '@codemirror/autocomplete';
import type { Extension } from '@codemirror/state';
import {
  tsAutocompleteWorker, tsFacetWorker, tsHoverWorker, tsLinterWorker, tsSyncWorker,
} from '@valtown/codemirror-ts';
import type { WorkerShape } from '@valtown/codemirror-ts/worker';

/** A started language service. */
export interface LanguageService {
  /** Put every file of the program into the service (before the editors' extensions take over). */
  load(files: Record<string, string>): Promise<void>;
  /** The editor extensions for one file. */
  extension(file: string): Extension;
  dispose(): void;
}

/** Start the worker and wait for TypeScript to be ready. */
export async function startLanguageService(): Promise<LanguageService> {
  const raw = new Worker(new URL('./ts-worker.ts', import.meta.url), { type: 'module', name: 'netlink-lab typescript' });
  const worker = Comlink.wrap(raw) as unknown as WorkerShape;
  await worker.initialize();
  return {
    async load(files) {
      await Promise.all(Object.entries(files).map(([f, code]) => worker.updateFile({ path: `/${f}`, code })));
    },
    extension: (file) => [
      tsFacetWorker.of({ worker, path: `/${file}` }),
      tsSyncWorker(),
      tsLinterWorker(),
      autocompletion({ override: [tsAutocompleteWorker()] }),
      tsHoverWorker(),
    ],
    dispose: () => raw.terminate(),
  };
}
