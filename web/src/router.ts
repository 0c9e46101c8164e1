// The URL as the app's location: `/` is the room list, `/rooms/<id>` a room, `/identity` the identity
// panel (`/link#<code>` is where a device link QR code points; the code stays in the fragment, never
// sent to a server), `/admin` the operator page. History API only, so the back button and shared links
// work; the server answers every such path with index.html.
import { LINK_PATH } from './link-code.js';

export { LINK_PATH };

export type Route =
  | { readonly name: 'rooms' }
  | { readonly name: 'room'; readonly roomId: string }
  | { readonly name: 'identity' }
  | { readonly name: 'admin' };

export function parseRoute(pathname: string): Route {
  if (pathname === '/identity' || pathname === LINK_PATH) return { name: 'identity' };
  if (/^\/admin\/?$/.test(pathname)) return { name: 'admin' };
  const match = /^\/rooms\/([^/]+)\/?$/.exec(pathname);
  const encoded = match?.[1];
  if (encoded !== undefined) {
    try {
      return { name: 'room', roomId: decodeURIComponent(encoded) };
    } catch {
      return { name: 'rooms' };
    }
  }
  return { name: 'rooms' };
}

export function routePath(route: Route): string {
  switch (route.name) {
    case 'room':
      return `/rooms/${encodeURIComponent(route.roomId)}`;
    case 'identity':
      return '/identity';
    case 'admin':
      return '/admin';
    default:
      return '/';
  }
}

const ROUTE_EVENT = 'parley:route';

export function navigate(route: Route): void {
  const path = routePath(route);
  if (path !== location.pathname) history.pushState(null, '', path);
  window.dispatchEvent(new Event(ROUTE_EVENT));
}

/** Calls `listener` on back/forward and on in-app navigation. */
export function onRouteChange(listener: () => void): () => void {
  window.addEventListener('popstate', listener);
  window.addEventListener(ROUTE_EVENT, listener);
  return () => {
    window.removeEventListener('popstate', listener);
    window.removeEventListener(ROUTE_EVENT, listener);
  };
}

/** A plain left click without modifiers: handle in-app; anything else (new tab, save link) stays native. */
export function isPlainClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
}
