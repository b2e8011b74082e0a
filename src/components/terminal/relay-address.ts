/**
 * Where the lesson terminal finds the relay's URL: `?relay=ws://…/?token=…` in the page's address
 * (then remembered), or the one remembered in localStorage. Shared by every terminal on the site.
 */
import { parseRelayUrl } from '../../runtime/vm/relay-client.ts';

/** The localStorage key of the remembered relay URL. */
export const RELAY_STORAGE_KEY = 'netlink-lab:vm-relay';

function storage(): Storage | null {
  try { return window.localStorage; } catch { return null; }
}

/** The relay URL from the page address (remembered from now on), else the remembered one, else null. */
export function findRelayUrl(): string | null {
  const fromPage = new URLSearchParams(window.location.search).get('relay');
  if (fromPage) {
    try {
      const url = parseRelayUrl(fromPage);
      storage()?.setItem(RELAY_STORAGE_KEY, url);
      return url;
    } catch { /* a broken ?relay= is ignored; the panel asks for a URL */ }
  }
  return storage()?.getItem(RELAY_STORAGE_KEY) ?? null;
}

/** Check and remember a pasted relay URL; throws with a sentence for the learner when it is wrong. */
export function rememberRelayUrl(text: string): string {
  const url = parseRelayUrl(text);
  storage()?.setItem(RELAY_STORAGE_KEY, url);
  return url;
}

/** Forget the remembered URL (e.g. the relay was restarted with a new token). */
export function forgetRelayUrl(): void {
  storage()?.removeItem(RELAY_STORAGE_KEY);
}
