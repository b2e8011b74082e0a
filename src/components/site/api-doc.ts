/**
 * The API reference, read from the TSDoc of src/api at build time with the TypeScript compiler API:
 * every export of `netlink-lab/user` and `netlink-lab/kernel`, its declaration as TypeScript prints
 * it, and its documentation comment. Nothing is written by hand, so it cannot drift from the code.
 */
import ts from 'typescript';

/** One exported name. */
export interface ApiEntry {
  name: string;
  kind: 'function' | 'constant' | 'class' | 'interface' | 'type' | 'other';
  /** The declaration, as TypeScript prints the symbol's type (functions: each overload). */
  signature: string;
  /** The documentation comment (plain text). */
  doc: string;
  /** Where it is defined, relative to the project ('src/api/user.ts'). */
  file: string;
}

/** The modules a program imports, and their sources. */
export const API_MODULES: Record<string, string> = {
  'netlink-lab/user': 'src/api/user.ts',
  'netlink-lab/kernel': 'src/api/kernel.ts',
};

// The project root: the site is built from it (this module is bundled elsewhere by the build).
const ROOT = `${process.cwd().replace(/\/$/, '')}/`;

let cache: Record<string, ApiEntry[]> | undefined;

/** Every module's exports, sorted by kind then name. */
export function apiReference(): Record<string, ApiEntry[]> {
  if (cache) return cache;
  const files = Object.values(API_MODULES).map((f) => ROOT + f);
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const order = ['function', 'class', 'constant', 'interface', 'type', 'other'];
  const out: Record<string, ApiEntry[]> = {};
  for (const [mod, file] of Object.entries(API_MODULES)) {
    const sf = program.getSourceFile(ROOT + file);
    const sym = sf && checker.getSymbolAtLocation(sf);
    if (!sym) throw new Error(`API reference: ${file} has no module symbol.`);
    const entries: ApiEntry[] = [];
    for (const e of checker.getExportsOfModule(sym)) {
      const s = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
      const decl = s.declarations?.[0];
      if (!decl) continue;
      const f = s.flags;
      let kind: ApiEntry['kind'] =
        f & ts.SymbolFlags.Function
          ? 'function'
          : f & ts.SymbolFlags.Class
            ? 'class'
            : f & ts.SymbolFlags.Interface
              ? 'interface'
              : f & ts.SymbolFlags.TypeAlias
                ? 'type'
                : f & ts.SymbolFlags.Variable
                  ? 'constant'
                  : 'other';
      let signature: string;
      const callable = kind === 'constant' && checker.getTypeOfSymbolAtLocation(s, decl).getCallSignatures().length > 0;
      if (callable) kind = 'function';
      if (kind === 'interface' || kind === 'type' || kind === 'class') {
        signature = decl
          .getText()
          .replace(/\/\*\*[\s\S]*?\*\/\s*/g, '')
          .replace(/^export\s+/, '');
        if (signature.length > 1600) signature = `${signature.slice(0, 1600)}\n  …`;
      } else {
        const type = checker.getTypeOfSymbolAtLocation(s, decl);
        const sigs = type.getCallSignatures();
        signature =
          sigs.length > 0
            ? sigs
                .map((g) => `${e.name}${checker.signatureToString(g, undefined, ts.TypeFormatFlags.NoTruncation)}`)
                .join('\n')
            : `const ${e.name}: ${checker.typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation)}`;
      }
      const doc = ts.displayPartsToString(s.getDocumentationComment(checker)).trim();
      entries.push({ name: e.name, kind, signature, doc, file: decl.getSourceFile().fileName.slice(ROOT.length) });
    }
    entries.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.name.localeCompare(b.name));
    out[mod] = entries;
  }
  cache = out;
  return out;
}
