// The URL as the app's location: `/` is the room list, `/rooms/<id>` a room, `/admin` the operator page. History API only, so the
// back button and shared links work; the server answers every such path with index.html.

export type Route =
  | { readonly name: 'rooms' }
  | { readonly name: 'room'; readonly roomId: string }
  | { readonly name: 'admin' };

export function parseRoute(pathname: string): Route {
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
  if (route.name === 'admin') return '/admin';
  return route.name === 'room' ? `/rooms/${encodeURIComponent(route.roomId)}` : '/';
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
