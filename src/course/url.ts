/**
 * Internal links that respect the site's base path (astro.config.mjs `base`), so the built site
 * works at a domain's root and under a sub-path alike.
 */

const BASE = import.meta.env.BASE_URL.replace(/\/+$/, '');

/** The URL of a path inside the site: href('/glossary/') → '/netlink-lab/glossary/' under that base. */
export function href(path: string): string {
  return `${BASE}/${path.replace(/^\/+/, '')}`;
}

/** A lesson's page. */
export const lessonHref = (slug: string): string => href(`/lessons/${slug}/`);

/** A simulated-kernel source file's page, optionally at a line: kernelHref('net/netlink/af_netlink.ts', 120). */
export const kernelHref = (file: string, line?: number): string => href(`/kernel/${file}/`) + (line ? `#L${line}` : '');

/** The id of an export's entry on the API reference page: apiAnchor('netlink-lab/user', 'socket'). */
export const apiAnchor = (mod: string, name: string): string => `${mod.replace(/[^a-z]+/g, '-')}-${name}`;

/** The API reference entry of an export of netlink-lab/user or netlink-lab/kernel. */
export const apiHref = (mod: string, name: string): string => href(`/api/#${apiAnchor(mod, name)}`);
