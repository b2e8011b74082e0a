/**
 * What the site's browser code uses of Vite's `import.meta.env`, declared here rather than through
 * astro/client, whose types pull in Node's (and would let `process` or `node:fs` typecheck in code
 * that runs in the browser).
 */
interface ImportMetaEnv {
  readonly BASE_URL: string;
  readonly DEV: boolean;
  readonly PROD: boolean;
  readonly MODE: string;
}
interface ImportMeta {
  readonly env: ImportMetaEnv;
}
