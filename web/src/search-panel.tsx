// "Search" in a room's header: a query field, the matching messages newest first with the server's
// highlight ranges shown as <mark> (text nodes only, never HTML), more pages by cursor, and a click that
// hands the message's seq to the room's jump (the reply jump, which loads history as needed). Knows the
// search API and the room's auth, not the room's log.
import { useRef, useState } from 'preact/hooks';
import type { Highlight, SearchResult, User } from '../../src/protocol/index.js';
import { ApiError, api, type RoomAuth } from './api.js';
import { formatMessageTime } from './format.js';
import { useI18n } from './i18n-context.js';

function name(user: User): string {
  return `${user.nickname}#${user.tag}`;
}

/** The body cut at the ranges (code point offsets), the matched pieces marked; out-of-range parts ignored. */
export function HighlightedBody({ body, ranges }: { body: string; ranges: readonly Highlight[] }) {
  const chars = Array.from(body);
  const pieces: preact.JSX.Element[] = [];
  let at = 0;
  for (const { start, end } of [...ranges].sort((a, b) => a.start - b.start)) {
    if (start < at || end <= start || end > chars.length) continue;
    if (start > at) pieces.push(<span key={`t${at}`}>{chars.slice(at, start).join('')}</span>);
    pieces.push(<mark key={`m${start}`}>{chars.slice(start, end).join('')}</mark>);
    at = end;
  }
  if (at < chars.length) pieces.push(<span key={`t${at}`}>{chars.slice(at).join('')}</span>);
  return <>{pieces}</>;
}

type SearchState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'loading'; readonly results: readonly SearchResult[] }
  | {
      readonly kind: 'shown';
      readonly q: string;
      readonly results: readonly SearchResult[];
      readonly nextCursor: string | null;
    }
  | { readonly kind: 'failed'; readonly code: string; readonly results: readonly SearchResult[] };

export function RoomSearch({
  roomId,
  auth,
  locale,
  onJump,
}: {
  roomId: string;
  auth: () => RoomAuth;
  locale: string;
  onJump: (seq: number) => void;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [state, setState] = useState<SearchState>({ kind: 'idle' });
  const field = useRef<HTMLInputElement>(null);
  // A slower earlier answer must not replace a later one.
  const latest = useRef(0);

  const run = async (q: string, before: string | undefined, kept: readonly SearchResult[]): Promise<void> => {
    const ticket = ++latest.current;
    setState({ kind: 'loading', results: kept });
    try {
      const page = await api.searchRoom(roomId, { q, before }, auth());
      if (ticket !== latest.current) return;
      setState({ kind: 'shown', q, results: [...kept, ...page.results], nextCursor: page.nextCursor });
    } catch (caught) {
      if (ticket !== latest.current) return;
      setState({
        kind: 'failed',
        code: caught instanceof ApiError ? caught.code : 'internal_error',
        results: kept,
      });
    }
  };

  const results = state.kind === 'idle' ? [] : state.results;
  const nothingYet = state.kind === 'shown' && state.results.length === 0;

  return (
    <div class="room-search">
      <button
        type="button"
        class="secondary"
        aria-expanded={open ? 'true' : 'false'}
        aria-controls="room-search-panel"
        onClick={() => {
          setOpen((was) => !was);
          setTimeout(() => field.current?.focus(), 0);
        }}
      >
        {t.searchToggle}
      </button>
      {open ? (
        <section id="room-search-panel" class="search-panel" aria-label={t.searchTitle}>
          <form
            class="row"
            onSubmit={(event) => {
              event.preventDefault();
              if (query.trim() !== '') void run(query, undefined, []);
            }}
          >
            <label for="room-search-query">{t.searchQueryLabel}</label>
            <input
              id="room-search-query"
              type="search"
              ref={field}
              value={query}
              maxLength={400}
              onInput={(event) => setQuery(event.currentTarget.value)}
            />
            <button type="submit">{t.searchSubmit}</button>
          </form>
          <p class="hint" role="status">
            {state.kind === 'loading'
              ? t.searching
              : state.kind === 'failed'
                ? t.error(state.code)
                : nothingYet && state.nextCursor === null
                  ? t.searchNoResults
                  : ''}
          </p>
          {results.length === 0 ? null : (
            <ol class="search-results" aria-label={t.searchResultsLabel}>
              {results.map((result) => (
                <li key={result.message.id}>
                  <button type="button" class="search-result" onClick={() => onJump(result.message.seq)}>
                    <span class="meta">
                      <span class="author">{name(result.message.author)}</span>{' '}
                      <time dateTime={result.message.createdAt}>
                        {formatMessageTime(result.message.createdAt, locale, Date.now())}
                      </time>
                    </span>
                    <span class="body">
                      <HighlightedBody body={result.message.body} ranges={result.highlights} />
                    </span>
                  </button>
                </li>
              ))}
            </ol>
          )}
          {state.kind === 'shown' && state.nextCursor !== null ? (
            <button
              type="button"
              class="secondary"
              onClick={() => void run(state.q, state.nextCursor ?? undefined, state.results)}
            >
              {state.results.length === 0 ? t.searchFurtherBack : t.searchMore}
            </button>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
