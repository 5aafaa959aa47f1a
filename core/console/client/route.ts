import { useEffect, useState } from 'preact/hooks';
import type { View } from './types';
import { views } from './views';

/** Where the console is: `/console/<view>[/<conversation id>]`, kept in the address bar so a reload or a link lands there again. */
export interface Route {
  view: View;
  id?: string;
  /** A page of its own instead of a conversation (`/console/figures`, `/console/channels`); the inbox stays on `view`. */
  page?: Page;
}

export const pages = ['figures', 'channels'] as const;
export type Page = (typeof pages)[number];

function parse(path: string): Route {
  const [, , view, id] = path.split('/');
  const page = pages.find((p) => p === view);
  if (page) return { view: 'mine', page };
  const known = views.find((v) => v.id === view)?.id ?? 'mine';
  return id ? { view: known, id: decodeURIComponent(id) } : { view: known };
}

export const href = (r: Route) => (r.page ? `/console/${r.page}` : `/console/${r.view}${r.id ? `/${encodeURIComponent(r.id)}` : ''}`);

export function useRoute(): [Route, (r: Route) => void] {
  const [route, setRoute] = useState(() => parse(location.pathname));
  useEffect(() => {
    const back = () => setRoute(parse(location.pathname));
    window.addEventListener('popstate', back);
    return () => window.removeEventListener('popstate', back);
  }, []);
  const go = (r: Route) => {
    if (href(r) !== location.pathname) history.pushState(null, '', href(r));
    setRoute(r);
  };
  return [route, go];
}
