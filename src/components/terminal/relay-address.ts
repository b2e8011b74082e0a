/**
 * Where the lesson terminal finds the relay's URL: the one the learner pasted (remembered in
 * localStorage), or a `?relay=ws://…/?token=…` in the page's address — but only once the learner
 * has accepted it in the Terminal panel. A link can name any host: the page never connects to it
 * silently, and it replaces the remembered relay only when the learner asks for that.
 * Shared by every terminal on the site and the playground's Real VM switch.
 */
import { parseRelayUrl } from '../../runtime/vm/relay-client.ts';

/** The localStorage key of the remembered relay URL. */
export const RELAY_STORAGE_KEY = 'netlink-lab:vm-relay';

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** The page-address relay the learner accepted for this page (never stored). */
let acceptedForPage: string | null = null;

/** The remembered relay URL, or null. */
export function savedRelayUrl(): string | null {
  return storage()?.getItem(RELAY_STORAGE_KEY) ?? null;
}

/**
 * The relay named by `?relay=` in the page's address: its URL, or an error sentence when it is not
 * a relay URL; null when there is none.
 */
export function pageRelay(): { url: string } | { error: string } | null {
  const fromPage = new URLSearchParams(window.location.search).get('relay');
  if (!fromPage) return null;
  try {
    return { url: parseRelayUrl(fromPage) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * A `?relay=` URL the learner has not yet accepted or refused, when it differs from the remembered
 * one (the same URL needs no question); else null.
 */
export function pendingPageRelay(): string | null {
  const p = pageRelay();
  if (!p || !('url' in p) || acceptedForPage === p.url || ignored || p.url === savedRelayUrl()) return null;
  return p.url;
}

let ignored = false;

/** The learner accepted the page's relay: for this page only, or remembered (`remember`). */
export function acceptPageRelay(remember: boolean): string | null {
  const p = pageRelay();
  if (!p || !('url' in p)) return null;
  if (remember) storage()?.setItem(RELAY_STORAGE_KEY, p.url);
  else acceptedForPage = p.url;
  return p.url;
}

/** The learner refused the page's relay: it is not asked about again on this page. */
export function ignorePageRelay(): void {
  ignored = true;
}

/** Whether `url` is the page-address relay used on this page only (the panel says so). */
export function isPageOnlyRelay(url: string): boolean {
  return acceptedForPage === url && savedRelayUrl() !== url;
}

/** The relay URL to use: the page's one if accepted for this page, else the remembered one, else null. */
export function findRelayUrl(): string | null {
  return acceptedForPage ?? savedRelayUrl();
}

/** Check and remember a pasted relay URL; throws with a sentence for the learner when it is wrong. */
export function rememberRelayUrl(text: string): string {
  const url = parseRelayUrl(text);
  storage()?.setItem(RELAY_STORAGE_KEY, url);
  acceptedForPage = null;
  return url;
}

/** Forget the remembered URL (e.g. the relay was restarted with a new token), and the page's one. */
export function forgetRelayUrl(): void {
  storage()?.removeItem(RELAY_STORAGE_KEY);
  acceptedForPage = null;
}
