/** Tiny DOM helpers for the panels (no framework: the panels are plain DOM, built on demand). */

type Attrs = Record<string, string | number | boolean | undefined>;

/** An element with attributes ('class', 'data-*', aria-*, …) and children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
/** An SVG element with attributes. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== false) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** Virtual ms as seconds with millisecond precision: '30.000 s'. */
export const vtime = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;
