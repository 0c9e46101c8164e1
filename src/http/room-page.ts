// The page a shared room link (`/rooms/<id>`) answers with: the built client's index.html with the
// room's name in <title> and Open Graph / Twitter card tags, so link previews name the room. Pure text
// work on a cached template: bounded by the template and the room's bounded name and topic. Knows
// nothing of who may read a room: the caller passes the preview it may show, or none (generic page).
import { escapeHtml } from './escape-html.js';

/** What a link preview may show of a room: an open room, never a password or taken-down one. */
export interface RoomPreview {
  readonly name: string;
  readonly topic: string | null;
  readonly online: number;
}

const GENERIC_TITLE = 'Parley';
const GENERIC_DESCRIPTION = 'Anonymous chat rooms.';

/** The page's title and description: the room's when it may be shown, a generic one otherwise. */
export function previewText(preview: RoomPreview | undefined): { title: string; description: string } {
  if (preview === undefined) return { title: GENERIC_TITLE, description: GENERIC_DESCRIPTION };
  const online = `${preview.online} online`;
  const topic = preview.topic?.trim();
  return {
    title: `${preview.name} · Parley`,
    description: topic === undefined || topic === '' ? online : `${topic} · ${online}`,
  };
}

/**
 * The template with its <title> replaced by the preview's title and card tags. A template without a
 * <title> (never built so) gets the tags before </head>; every value is escaped.
 */
export function renderRoomPage(template: string, preview: RoomPreview | undefined): string {
  const { title, description } = previewText(preview);
  const t = escapeHtml(title);
  const d = escapeHtml(description);
  const head = [
    `<title>${t}</title>`,
    `<meta name="description" content="${d}" />`,
    '<meta property="og:type" content="website" />',
    '<meta property="og:site_name" content="Parley" />',
    `<meta property="og:title" content="${t}" />`,
    `<meta property="og:description" content="${d}" />`,
    '<meta name="twitter:card" content="summary" />',
    `<meta name="twitter:title" content="${t}" />`,
    `<meta name="twitter:description" content="${d}" />`,
  ].join('\n    ');
  const titled = /<title>[^<]*<\/title>/;
  // A function replacement: `$` in a room's name must not be read as a replacement pattern.
  if (titled.test(template)) return template.replace(titled, () => head);
  return template.replace('</head>', () => `${head}\n  </head>`);
}
