/**
 * The editor's TypeScript support, started lazily: the language-service worker (ts-worker.ts)
 * behind Comlink, and per file the codemirror-ts extensions for type-aware completion, hover types
 * and inline type errors.
 */
import * as Comlink from 'comlink';
import {
  autocompletion,
  type Completion,
  type CompletionContext,
  type CompletionResult,
} from '@codemirror/autocomplete';
import type { EditorView } from '@codemirror/view';
import type { ModuleExport } from './ts-worker.ts';
import type { Extension } from '@codemirror/state';
import {
  tsAutocompleteWorker,
  tsFacetWorker,
  tsHoverWorker,
  tsLinterWorker,
  tsSyncWorker,
} from '@valtown/codemirror-ts';
import type { WorkerShape } from '@valtown/codemirror-ts/worker';
import type { HoverInfo } from '@valtown/codemirror-ts';
import { apiHref } from '../../course/url.ts';

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
  const raw = new Worker(new URL('./ts-worker.ts', import.meta.url), {
    type: 'module',
    name: 'netlink-lab typescript',
  });
  const worker = Comlink.wrap(raw) as unknown as WorkerShape & { exportsOf(): Promise<Record<string, ModuleExport[]>> };
  await worker.initialize();
  let exportsOf: Promise<Record<string, ModuleExport[]>> | undefined;
  let known: Record<string, ModuleExport[]> = {};
  // The API's files join the service's program only once a program file imports them: until then
  // the list is empty, and it is asked for again next time.
  const exports = () =>
    (exportsOf ??= worker
      .exportsOf()
      .catch(() => ({}))
      .then((e) => {
        if (Object.keys(e).length === 0) exportsOf = undefined;
        else known = e;
        return e;
      }));
  const autoImports = (ctx: CompletionContext) => autoImportCompletions(ctx, exports());
  // Hovers and completions link to the API reference (/api/) for names of netlink-lab's modules.

  const tsComplete = tsAutocompleteWorker();
  const withDocs = async (ctx: CompletionContext): Promise<CompletionResult | null> => {
    const r = await tsComplete(ctx);
    if (!r) return r;
    if (Object.keys(known).length === 0) await exports();
    const doc = ctx.state.doc.toString();
    return {
      ...r,
      options: r.options.map((o) => {
        const m = moduleOf(known, doc, o.label);
        return m ? { ...o, detail: o.detail ?? m, info: () => apiInfo(m, o.label) } : o;
      }),
    };
  };
  return {
    async load(files) {
      await Promise.all(Object.entries(files).map(([f, code]) => worker.updateFile({ path: `/${f}`, code })));
      await exports();
    },
    extension: (file) => [
      tsFacetWorker.of({ worker, path: `/${file}` }),
      tsSyncWorker(),
      tsLinterWorker(),
      autocompletion({ override: [withDocs, autoImports] }),
      tsHoverWorker({
        renderTooltip: (info, view) => {
          if (Object.keys(known).length === 0) void exports();
          return { dom: hoverDom(info, view.state.doc.toString(), known) };
        },
      }),
    ],
    dispose: () => raw.terminate(),
  };
}

/** The module names a program has imported from `mod` (in `import { a, b as c } from 'mod'`). */
function importedFrom(doc: string, mod: string): { names: Set<string>; braces?: { from: number; to: number } } {
  const re = new RegExp(`import\\s*(type\\s*)?\\{([^}]*)\\}\\s*from\\s*['"]${mod.replace('/', '\\/')}['"]`, 'g');
  const names = new Set<string>();
  let braces: { from: number; to: number } | undefined;
  for (const m of doc.matchAll(re)) {
    for (const part of m[2]!.split(',')) {
      const n = part
        .trim()
        .split(/\s+as\s+/)
        .pop()
        ?.replace(/^type\s+/, '')
        .trim();
      if (n) names.add(n);
    }
    if (!m[1] && !braces) {
      const open = m.index! + m[0].indexOf('{');
      braces = { from: open + 1, to: m.index! + m[0].indexOf('}') };
    }
  }
  return { names, ...(braces ? { braces } : {}) };
}

/**
 * Names netlink-lab's modules export that the file has not imported yet (from three letters typed):
 * choosing one inserts it and adds it to the file's import from that module (or a new import).
 */
async function autoImportCompletions(
  ctx: CompletionContext,
  exportsOf: Promise<Record<string, ModuleExport[]>>,
): Promise<CompletionResult | null> {
  const word = ctx.matchBefore(/[A-Za-z_$][\w$]*/);
  if (!word || (word.to - word.from < 3 && !ctx.explicit)) return null;
  // Not after a dot (a property), not inside an import statement's braces.
  if (word.from > 0 && ctx.state.sliceDoc(word.from - 1, word.from) === '.') return null;
  const line = ctx.state.doc.lineAt(word.from).text;
  if (/^\s*import\b/.test(line)) return null;
  const all = await exportsOf;
  const doc = ctx.state.doc.toString();
  const prefix = word.text.toLowerCase();
  const options: Completion[] = [];
  for (const [mod, names] of Object.entries(all)) {
    const { names: have } = importedFrom(doc, mod);
    for (const e of names) {
      if (have.has(e.name) || !e.name.toLowerCase().startsWith(prefix)) continue;
      options.push({
        label: e.name,
        detail: `import from '${mod}'`,
        type:
          e.kind === 'function'
            ? 'function'
            : e.kind === 'class'
              ? 'class'
              : e.kind === 'type'
                ? 'type'
                : e.kind === 'const'
                  ? 'constant'
                  : 'variable',
        boost: -1,
        info: () => apiInfo(mod, e.name),
        apply: (view: EditorView, _c: Completion, from: number, to: number) => addImport(view, mod, e, from, to),
      });
    }
  }
  return options.length ? { from: word.from, options, validFor: /^[\w$]*$/ } : null;
}

/** Insert `e.name` at from..to and import it from `mod`. */
function addImport(view: EditorView, mod: string, e: ModuleExport, from: number, to: number): void {
  const doc = view.state.doc.toString();
  const { braces } = importedFrom(doc, mod);
  const name = e.kind === 'type' ? `type ${e.name}` : e.name;
  const changes = [{ from, to, insert: e.name }];
  if (braces) {
    const inside = doc.slice(braces.from, braces.to);
    const trimmed = inside.replace(/\s+$/, '');
    const sep = trimmed.trim() === '' ? ' ' : trimmed.endsWith(',') ? ' ' : ', ';
    changes.push({
      from: braces.from + trimmed.length,
      to: braces.from + trimmed.length,
      insert: `${sep}${name}${trimmed.trim() === '' ? ' ' : ''}`,
    });
  } else {
    // After the last import at the top, else on the first line.
    let at = 0;
    for (const m of doc.matchAll(/^import[^\n]*\n/gm)) at = m.index! + m[0].length;
    changes.push({ from: at, to: at, insert: `import { ${name} } from '${mod}';\n` });
  }
  view.dispatch({
    changes,
    selection: {
      anchor: to + (e.name.length - (to - from)) + (changes[1]!.from <= from ? changes[1]!.insert.length : 0),
    },
  });
}

/**
 * Which of netlink-lab's modules `name` comes from in this file: the module it is imported from,
 * else (a name typed before its import exists) the one module that exports it.
 */
function moduleOf(all: Record<string, ModuleExport[]>, doc: string, name: string): string | undefined {
  const exporting = Object.keys(all).filter((m) => all[m]!.some((e) => e.name === name));
  return (
    exporting.find((m) => importedFrom(doc, m).names.has(name)) ?? (exporting.length === 1 ? exporting[0] : undefined)
  );
}

/** A link to an export's entry in the API reference. */
function apiLink(mod: string, name: string): HTMLAnchorElement {
  const a = document.createElement('a');
  a.href = apiHref(mod, name);
  a.target = '_blank';
  a.rel = 'noopener';
  a.className = 'pg-api-link';
  a.textContent = `${name} in the API reference (${mod})`;
  return a;
}

/** A completion's side panel for an export: where it comes from and its reference entry. */
function apiInfo(mod: string, name: string): HTMLElement {
  const div = document.createElement('div');
  div.append(apiLink(mod, name));
  return div;
}

/** A hover: the declaration, its documentation comment, and for netlink-lab's names the reference link. */
function hoverDom(info: HoverInfo, doc: string, known: Record<string, ModuleExport[]>): HTMLElement {
  const div = document.createElement('div');
  div.className = 'pg-hover';
  const sig = div.appendChild(document.createElement('div'));
  sig.className = 'pg-hover-sig';
  for (const part of info.quickInfo?.displayParts ?? []) {
    const span = sig.appendChild(document.createElement('span'));
    span.className = `quick-info-${part.kind}`;
    span.textContent = part.text;
  }
  const text = (info.quickInfo?.documentation ?? [])
    .map((d) => d.text)
    .join('')
    .trim();
  if (text) {
    const p = div.appendChild(document.createElement('div'));
    p.className = 'pg-hover-doc';
    p.textContent = text;
  }
  const name = doc.slice(info.start, info.end);
  const fromApi = info.typeDef?.some((d) => d.fileName.startsWith('/netlink-lab/')) ?? false;
  const mod = moduleOf(known, doc, name);
  if (mod && (fromApi || importedFrom(doc, mod).names.has(name))) div.append(apiLink(mod, name));
  return div;
}
