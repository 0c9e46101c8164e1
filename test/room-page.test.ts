// A shared room link (`/rooms/<id>`) over real HTTP on both databases: HTML whatever the Accept header
// (link-preview crawlers send */*), the room's name in <title> and Open Graph / Twitter tags, every value
// escaped, the strict CSP kept; nothing from a password room beyond a generic title, nothing from a
// room an operator took down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../src/http/escape-html.js';
import { renderRoomPage } from '../src/http/room-page.js';
import { ensureWebBuilt } from './e2e/harness.js';
import { join, send } from './support/chat-client.js';
import {
  availableBackends,
  callApi,
  type Session,
  startTestParley,
  type TestParley,
} from './support/parley.js';

const backends = await availableBackends();
const SECRET = 'room-page-operator-secret-0123456789abcdef';

/** The content of the meta tag with this property or name, unescaped as a browser would read it. */
function meta(html: string, key: string): string | undefined {
  const match = new RegExp(`<meta (?:property|name)="${key}" content="([^"]*)"`).exec(html);
  return match?.[1]
    ?.replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function title(html: string): string | undefined {
  return /<title>([^<]*)<\/title>/.exec(html)?.[1];
}

describe('the room page template', () => {
  it('escapes every character that could end an element or an attribute', () => {
    expect(escapeHtml(`</title><script>"a" & 'b'`)).toBe(
      '&lt;/title&gt;&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;',
    );
  });

  it('replaces the title once and reads $ in a name literally', () => {
    const html = renderRoomPage('<head><title>Parley</title></head><body>x</body>', {
      name: "$& $' $1",
      topic: null,
      online: 0,
    });
    expect(title(html)).toBe('$&amp; $&#39; $1 · Parley');
    expect(html.match(/<title>/g)).toHaveLength(1);
    expect(meta(html, 'og:description')).toBe('0 online');
  });
});

describe.each(backends)('/rooms/<id> on %s', (backend) => {
  let parley: TestParley;
  let owner: Session;

  beforeAll(async () => {
    await ensureWebBuilt();
    parley = await startTestParley({ backend, env: { OPERATOR_TOKENS: SECRET } });
    owner = await parley.session('owner');
  }, 120_000);
  afterAll(async () => {
    await parley?.dispose();
  });

  const page = async (path: string, accept = '*/*') => {
    const response = await fetch(`${parley.url}${path}`, { headers: { accept } });
    return { response, html: await response.text() };
  };

  it('names an open room, its topic and who is online, whatever the Accept header', async () => {
    const room = await parley.createRoom(owner.token, 'Weekend hiking', 'Saturday, 9am at the lake');
    const client = await parley.connect(owner.token);
    await join(client, room.id);
    for (const accept of ['*/*', 'text/html', 'application/json', '']) {
      const { response, html } = await page(`/rooms/${room.id}`, accept);
      expect(response.status, accept).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
      expect(title(html)).toBe('Weekend hiking · Parley');
      expect(meta(html, 'og:title')).toBe('Weekend hiking · Parley');
      expect(meta(html, 'og:description')).toBe('Saturday, 9am at the lake · 1 online');
      expect(meta(html, 'og:type')).toBe('website');
      expect(meta(html, 'twitter:card')).toBe('summary');
      // Still the client: its module script, no inline one.
      expect(html).toMatch(/<script type="module"[^>]*src="\/assets\//);
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
  });

  it('escapes a hostile name and topic in the title and every attribute', async () => {
    const name = `</title><script>alert("x")</script>'`;
    const topic = `"><img src=x onerror=alert(1)> & co`;
    const room = await parley.createRoom(owner.token, name, topic);
    const { html } = await page(`/rooms/${room.id}`);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html.match(/<title>/g)).toHaveLength(1);
    expect(title(html)).toBe(`${escapeHtml(name)} · Parley`);
    expect(meta(html, 'og:title')).toBe(`${name} · Parley`);
    expect(meta(html, 'og:description')).toBe(`${topic} · 0 online`);
  });

  it('shows nothing of a password room beyond a generic title', async () => {
    const room = await parley.createRoom(owner.token, 'Secret plans', 'the vault code');
    const client = await parley.connect(owner.token);
    await send(client, `/app/rooms.${room.id}.moderate`, { action: 'settings', password: 'sesame' });
    const { response, html } = await page(`/rooms/${room.id}`);
    expect(response.status).toBe(200);
    expect(title(html)).toBe('Parley');
    expect(html).not.toContain('Secret plans');
    expect(html).not.toContain('vault');
  });

  it('shows nothing of a room an operator took down', async () => {
    const room = await parley.createRoom(owner.token, 'Gone room', 'gone topic');
    const closed = await callApi(parley.url, 'POST', `/api/admin/rooms/${room.id}/close`, {
      token: SECRET,
      body: { reason: 'spam' },
    });
    expect(closed.status).toBe(200);
    const { response, html } = await page(`/rooms/${room.id}`);
    expect(response.status).toBe(200);
    expect(title(html)).toBe('Parley');
    expect(html).not.toContain('Gone room');
    expect(html).not.toContain('gone topic');
  });

  it('answers an unknown or malformed id with the generic page (the client says it is missing)', async () => {
    for (const id of ['no-such-room', '%3Cscript%3E']) {
      const { response, html } = await page(`/rooms/${id}`);
      expect(response.status).toBe(200);
      expect(title(html)).toBe('Parley');
    }
  });
});
