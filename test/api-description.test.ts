// The generated API descriptions against the server they describe: the OpenAPI document is valid 3.1,
// names every route fastify registered under /api and nothing more, each route's success answers are
// what the route really answers (exactly its schema, its status), the refusals it really gives are among
// the codes it lists (whose statuses come from the catalogue), and docs/protocol.md agrees. The AsyncAPI
// document covers every destination the STOMP adapter routes and every room event; the page renders both
// under the CSP.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join as joinPath } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../src/broker/types.js';
import type { User } from '../src/chat/model.js';
import type { RoomDomain } from '../src/chat/room-domain.js';
import {
  ANSWER_SCHEMAS,
  errorStatuses,
  type HttpRouteSpec,
  httpRoutes,
  openApiPath,
  routeKey,
  undescribedRoutes,
} from '../src/http/api-description.js';
import { renderApiDocsPage } from '../src/http/api-docs-page.js';
import { escapeHtml } from '../src/http/escape-html.js';
import {
  ERROR_CATALOGUE,
  ErrorBodySchema,
  ROOM_ACTION_BODIES,
  ROOM_EVENT_TYPES,
  RoomEventSchema,
  type Session,
  SessionSchema,
} from '../src/protocol/index.js';
import { jsonSchemaOf } from '../src/protocol/json-schema.js';
import { registerChatRoutes } from '../src/stomp-api/chat-routes.js';
import { buildAsyncApi, stompDestinations } from '../src/stomp-api/stomp-description.js';
import { join, send, subscribed } from './support/chat-client.js';
import { ANSWERS } from './support/documented-answers.js';
import { eventually } from './support/eventually.js';
import { callApi, startTestParley, type TestParley } from './support/parley.js';
import { receiptOf } from './support/stompjs-client.js';
import { exactly } from './support/wire-shape.js';

const SECRET = 'operator-secret-for-the-description-test-0123456789';
const PAGES = { historyPageMax: 200, historyPageDefault: 50, searchQueryMaxChars: 200, searchPageMax: 50 };
const ROUTES = httpRoutes(PAGES);
const protocolPage = await readFile(joinPath(import.meta.dirname, '..', 'docs', 'protocol.md'), 'utf8');

type Json = Record<string, unknown>;
const asJson = (value: unknown): Json => value as Json;

describe('the route table', () => {
  it('finds routes registered but undescribed, and described but not registered', () => {
    const described = ROUTES.filter((r) => r.path === '/api/limits' || r.path === '/api/rooms');
    expect(undescribedRoutes([{ method: 'GET', path: '/api/limits' }], described)).toEqual([
      'described but not registered: GET /api/rooms',
      'described but not registered: POST /api/rooms',
    ]);
    expect(
      undescribedRoutes(
        [
          ...described,
          { method: 'HEAD', path: '/api/limits' },
          { method: 'GET', path: '/api/secret' },
          { method: 'GET', path: '/index.html' },
        ],
        described,
      ),
    ).toEqual(['undescribed: GET /api/secret']);
  });

  it('gives each answer docs/protocol.md writes out the same schema', () => {
    for (const [key, schema] of Object.entries(ANSWERS)) {
      const route = ROUTES.find((r) => routeKey(r) === key);
      const success = route?.success[0];
      expect(
        success !== undefined && 'answer' in success ? ANSWER_SCHEMAS[success.answer] : undefined,
        key,
      ).toBe(schema);
    }
  });

  it('lists, for every route, each refusal docs/protocol.md names for it', () => {
    const rows = protocolPage.split('\n').filter((line) => /^\| `(GET|POST) \//.test(line));
    expect(rows.length).toBeGreaterThan(30);
    const described = new Map(ROUTES.map((r) => [routeKey(r), r]));
    for (const row of rows) {
      const key = (row.match(/^\| `((?:GET|POST) [^`?]+)/)?.[1] ?? '').replace(/ \{.*$/, '').trim();
      if (key === 'GET /') continue; // the web client
      const route = described.get(key);
      expect(route, key).toBeDefined();
      // Codes the route answers with: those after a refusal's status (`; 403 \`banned\``), not the
      // ones a row tells other routes or connections get.
      const result = row.split(/(?<!\\)\|/)[3] ?? '';
      const named = result
        .split(';')
        .filter((segment) => /^\s*[45]\d\d\b/.test(segment))
        .flatMap((segment) => [...segment.matchAll(/`([a-z]+_[a-z_]+)`/g)].map((m) => m[1] ?? ''))
        .filter((code) => Object.hasOwn(ERROR_CATALOGUE, code));
      for (const code of named) expect(route?.errors, `${key} names ${code}`).toContain(code);
    }
  });
});

describe('the descriptions served by a running server', () => {
  let parley: TestParley;
  let openApi: Json;
  let asyncApi: Json;
  let alice: Session;
  let roomId: string;

  const call = (method: 'GET' | 'POST', path: string, options?: Parameters<typeof callApi>[3]) =>
    callApi(parley.url, method, path, options);
  const routeOf = (key: string): HttpRouteSpec => {
    const route = ROUTES.find((r) => routeKey(r) === key);
    if (route === undefined) throw new Error(`not described: ${key}`);
    return route;
  };

  beforeAll(async () => {
    parley = await startTestParley({
      env: { OPERATOR_TOKENS: SECRET, OPERATOR_AUTH_FAILURES_PER_IP_PER_MINUTE: '1000' },
    });
    alice = exactly(
      SessionSchema,
      (await call('POST', '/api/sessions', { body: { nickname: 'alice' } })).body,
      'session',
    );
    roomId = asJson(
      (await call('POST', '/api/rooms', { token: alice.token, body: { name: 'described' } })).body,
    ).id as string;
    openApi = asJson((await call('GET', '/api/openapi.json')).body);
    asyncApi = asJson((await call('GET', '/api/asyncapi.json')).body);
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  it('serves a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(openApi);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // The validator is not one that passes anything.
    const broken = { ...openApi, paths: { '/x': { get: { responses: { 200: { content: {} } } } } } };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('serves a valid AsyncAPI 3.0 document', () => {
    // AsyncAPI's own JSON Schema of 3.0.0 (draft-07), as its parser checks documents with.
    const specs = createRequire(import.meta.url)('@asyncapi/specs') as {
      schemasWithoutId: Readonly<Record<string, object>>;
    };
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(specs.schemasWithoutId['3.0.0'] ?? {});
    expect(validate(asyncApi), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    const operations = asJson(asyncApi.operations);
    const [first = ''] = Object.keys(operations);
    const broken = { ...asyncApi, operations: { ...operations, [first]: { action: 'publish' } } };
    expect(validate(broken)).toBe(false);
  });

  it('describes each route with the error statuses of its catalogue codes, and nothing else', () => {
    const paths = asJson(openApi.paths);
    const operations = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(asJson(item)).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(ROUTES.map((r) => `${r.method} ${openApiPath(r.path)}`).sort());
    for (const route of ROUTES) {
      const operation = asJson(asJson(paths[openApiPath(route.path)])[route.method.toLowerCase()]);
      const statuses = Object.keys(asJson(operation.responses)).map(Number);
      const expected = [...route.success.map((s) => s.status), ...errorStatuses(route.errors).keys()];
      expect(statuses.sort(), routeKey(route)).toEqual([...new Set(expected)].sort());
      for (const code of route.errors) expect(Object.hasOwn(ERROR_CATALOGUE, code)).toBe(true);
    }
  });

  /**
   * A request that must be refused: its code is one the route lists (so the document names its status).
   */
  const refusedWithListed = async (
    route: HttpRouteSpec,
    options: Parameters<typeof callApi>[3],
    path = route.path.replace(':id', roomId).replace(':userId', alice.user.id),
  ): Promise<string> => {
    const { status, body } = await call(route.method, path, options);
    const { code } = exactly(ErrorBodySchema, body, `${routeKey(route)} → ${status}`).error;
    expect(route.errors, `${routeKey(route)} answered ${status} ${code}`).toContain(code);
    expect(status).toBe(ERROR_CATALOGUE[code].status);
    return code;
  };

  it('every described route answers, and its refusals are ones it lists', async () => {
    for (const route of ROUTES) {
      if (route.auth === 'bearer') {
        // A body that passes, for routes that read it before the token.
        const body = route.body === undefined ? undefined : { nickname: 'n', name: 'n' };
        const options = body === undefined ? {} : { body };
        expect(await refusedWithListed(route, options), routeKey(route)).toBe('unauthorized');
      }
      if (route.auth === 'operator') {
        expect(await refusedWithListed(route, {}), routeKey(route)).toBe('not_operator');
      }
      const token = route.auth === 'operator' ? SECRET : alice.token;
      if (route.body !== undefined) {
        expect(await refusedWithListed(route, { token, body: [1] }), routeKey(route)).toBe('invalid_request');
      }
      if (route.query !== undefined) {
        const path = `${route.path.replace(':id', roomId).replace(':userId', alice.user.id)}?limit=-1`;
        expect(await refusedWithListed(route, { token }, path), routeKey(route)).toBe('invalid_request');
      }
      if (route.path.startsWith('/api/') && route.path.includes(':id') && route.body === undefined) {
        const path = route.path.replace(':id', 'no-such-room').replace(':userId', alice.user.id);
        if (routeKey(route) === 'POST /api/me/rooms/:id/leave') {
          // Idempotent by design: leaving a room that is not one of yours (or none at all) is done.
          expect((await call(route.method, path, { token })).status).toBe(204);
        } else {
          expect(await refusedWithListed(route, { token }, path), routeKey(route)).toBe('room_not_found');
        }
      }
    }
  });

  it('every success answer is what the route answers: its status and exactly its schema', async () => {
    const answered = new Set<string>();
    const expectAnswer = async (
      key: string,
      options: Parameters<typeof callApi>[3] = {},
      path = key.split(' ')[1] ?? '',
    ): Promise<Json> => {
      const route = routeOf(key);
      const { status, body } = await call(route.method, path, options);
      const success = route.success.find((s) => s.status === status);
      expect(success, `${key} answered ${status}: ${JSON.stringify(body)}`).toBeDefined();
      if (success !== undefined && 'answer' in success) exactly(ANSWER_SCHEMAS[success.answer], body, key);
      answered.add(key);
      return asJson(body);
    };
    const bob = asJson(await expectAnswer('POST /api/sessions', { body: { nickname: 'bob' } }));
    const bobToken = String(bob.token);
    await expectAnswer('POST /api/sessions/refresh', { token: bobToken });
    await expectAnswer('POST /api/sessions/rename', { token: bobToken, body: { nickname: 'robert' } });
    await expectAnswer('GET /api/sessions/identity', { token: bobToken });
    const recovery = await expectAnswer('POST /api/sessions/recovery-code', { token: bobToken });
    await expectAnswer('POST /api/sessions/recover', { body: { code: recovery.code } });
    const link = await expectAnswer('POST /api/sessions/link-code', { token: bobToken });
    await expectAnswer('POST /api/sessions/link', { body: { code: link.code } });
    await expectAnswer('GET /api/limits');
    await expectAnswer('GET /api/rooms');
    const room = await expectAnswer('POST /api/rooms', { token: alice.token, body: { name: 'answers' } });
    const id = String(room.id);
    const at = (key: string) => key.replace(':id', id).replace(':userId', alice.user.id).split(' ')[1] ?? '';
    await expectAnswer('GET /api/rooms/:id', {}, at('GET /api/rooms/:id'));
    await expectAnswer(
      'POST /api/rooms/:id/join',
      { token: alice.token, body: {} },
      at('x /api/rooms/:id/join'),
    );
    // A message, so history, unread and the operator's deletion have something to show.
    const client = await parley.connect(alice.token);
    await join(client, id);
    await send(client, `/app/rooms.${id}`, { body: 'hello' });
    await send(client, `/app/rooms.${id}.read`, { seq: 1 });
    const page = await expectAnswer('GET /api/rooms/:id/messages', {}, at('x /api/rooms/:id/messages'));
    const messageId = String(asJson((page.messages as unknown[])[0]).id);
    await expectAnswer('GET /api/rooms/:id/members', {}, at('x /api/rooms/:id/members'));
    await expectAnswer('GET /api/rooms/:id/reads', {}, at('x /api/rooms/:id/reads'));
    await expectAnswer('GET /api/rooms/:id/search', {}, `${at('x /api/rooms/:id/search')}?q=hello`);
    await expectAnswer('GET /api/search', { token: alice.token }, '/api/search?q=hello');
    for (const key of [
      'GET /api/rooms/:id/audit',
      'GET /api/rooms/:id/reports',
      'GET /api/rooms/:id/word-filter',
      'GET /api/rooms/:id/bans',
      'GET /api/rooms/:id/mutes',
      'GET /api/rooms/:id/members/:userId/addresses',
      'GET /api/rooms/:id/ownership',
    ]) {
      await expectAnswer(key, { token: alice.token }, at(key));
    }
    await expectAnswer('GET /api/me/unread', { token: alice.token });
    await expectAnswer('POST /api/me/rooms/:id/leave', { token: alice.token }, `/api/me/rooms/${id}/leave`);
    await send(client, `/app/rooms.${id}.report`, { messageId, reason: 'a test' });
    const op = { token: SECRET };
    await expectAnswer('POST /api/admin/session', op);
    await expectAnswer('GET /api/admin/rooms', op);
    await expectAnswer('GET /api/admin/reports', op);
    await expectAnswer('POST /api/admin/reports/dismiss', { ...op, body: { roomId: id, messageId } });
    await expectAnswer('POST /api/admin/messages/delete', { ...op, body: { roomId: id, messageId } });
    await expectAnswer(
      'POST /api/admin/rooms/:id/close',
      { ...op, body: {} },
      at('x /api/admin/rooms/:id/close'),
    );
    // A closed room: the routes that list room_closed are exactly those that answer it.
    const roomRoutes = ROUTES.filter((r) => r.path.startsWith('/api/rooms/:id'));
    const closedBy = new Set<string>();
    for (const route of roomRoutes) {
      const { status, body } = await call(route.method, at(routeKey(route)), {
        token: alice.token,
        ...(route.body === undefined ? {} : { body: {} }),
      });
      if (route.success.some((s) => s.status === status)) continue;
      const { code } = exactly(ErrorBodySchema, body, routeKey(route)).error;
      expect(route.errors, `${routeKey(route)} on a closed room: ${code}`).toContain(code);
      if (code === 'room_closed') closedBy.add(routeKey(route));
    }
    expect([...closedBy].sort()).toEqual(
      roomRoutes
        .filter((r) => r.errors.includes('room_closed'))
        .map(routeKey)
        .sort(),
    );
    await expectAnswer('POST /api/admin/rooms/:id/reopen', op, at('x /api/admin/rooms/:id/reopen'));
    await expectAnswer('POST /api/admin/bans', { ...op, body: { userId: String(asJson(bob.user).id) } });
    await expectAnswer('GET /api/admin/bans', op);
    await expectAnswer('POST /api/admin/bans/lift', { ...op, body: { userId: String(asJson(bob.user).id) } });
    await expectAnswer('GET /api/admin/settings', op);
    await expectAnswer('POST /api/admin/settings', { ...op, body: { reservedNames: ['root'] } });
    await expectAnswer('GET /api/admin/audit', op);
    await expectAnswer('POST /api/sessions/revoke', { token: bobToken });
    await expectAnswer('GET /api/openapi.json');
    await expectAnswer('GET /api/asyncapi.json');
    await expectAnswer('GET /healthz');
    await expectAnswer('GET /readyz');
    for (const key of ['GET /api/docs', 'GET /api/docs.css', 'GET /metrics', 'GET /rooms/:id']) {
      const response = await fetch(`${parley.url}${(key.split(' ')[1] ?? '').replace(':id', id)}`);
      const success = routeOf(key).success[0];
      expect(response.status).toBe(success?.status);
      expect(response.headers.get('content-type'), key).toContain(
        success !== undefined && 'mediaType' in success ? success.mediaType : '?',
      );
      answered.add(key);
    }
    expect([...answered].sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  it('serves the page under the CSP: no script, no inline style, every route and destination', async () => {
    const response = await fetch(`${parley.url}/api/docs`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    const html = await response.text();
    expect(html).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
    expect(html).toContain('<link rel="stylesheet" href="/api/docs.css">');
    for (const route of ROUTES)
      expect(html, routeKey(route)).toContain(`<code>${escapeHtml(openApiPath(route.path))}</code>`);
    for (const spec of stompDestinations())
      expect(html).toContain(`<code>${escapeHtml(spec.destination)}</code>`);
    for (const type of ROOM_EVENT_TYPES) expect(html).toContain(`roomEvent.${type}`);
    expect(asyncApi).toEqual(buildAsyncApi({ version: '0.1.0' }));
  });

  it('every described STOMP destination is served, and its refusals are ones it lists', async () => {
    const { client, errors } = await parley.connectWithErrors(alice);
    await join(client, roomId);
    let sent = 0;
    /** `ok` once a RECEIPT came, else the code refused with on /user/queue/errors. */
    const outcome = (destination: string, body: string): Promise<string> => {
      const receipt = `described-${++sent}`;
      const stored = receiptOf(client, receipt).then(
        () => 'ok',
        () => 'no answer',
      );
      client.publish({ destination, body, headers: { 'content-type': 'application/json', receipt } });
      const refused = eventually(() => {
        const found = errors.messages.find((m) => m.headers['receipt-id'] === receipt);
        if (found === undefined) throw new Error(`no refusal of ${receipt}`);
        return String(asJson(JSON.parse(found.body)).code);
      }).catch(() => 'no answer');
      return Promise.race([stored, refused]);
    };
    for (const spec of stompDestinations()) {
      // Generic destinations exist only where GENERIC_DESTINATIONS names them (test/generic-*.test.ts).
      if (spec.configured !== undefined) continue;
      const destination = spec.destination.replace('<id>', roomId);
      if (spec.frame === 'SUBSCRIBE') {
        await subscribed(client, destination);
        continue;
      }
      // An empty object: a message is refused as malformed, an action as malformed or not allowed.
      const answer = await outcome(destination, '{}');
      expect(answer, destination).not.toBe('no answer');
      if (answer !== 'ok') expect(spec.errors, `${destination} refused with ${answer}`).toContain(answer);
    }
    // The probe tells a destination that is not served.
    expect(await outcome(`/app/rooms.${roomId}.nonsense`, '{}')).toBe('unknown_destination');
  });

  it('escapes what it renders', () => {
    const html = renderApiDocsPage(
      {
        info: { version: '<b>1</b>' },
        paths: { '/x': { get: { summary: '<img src=x onerror=alert(1)>', responses: {} } } },
      },
      { info: { description: '"><script>' } },
    );
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('the STOMP description', () => {
  const destinations = stompDestinations();
  const named = destinations.map((d) => `${d.frame} ${d.destination}`);

  it('covers every destination prefix the adapter routes', () => {
    const prefixes: string[] = [];
    const broker = { route: (prefix: string) => void prefixes.push(prefix) } as unknown as Broker<User>;
    registerChatRoutes(broker, { membership: {}, permissions: {} } as unknown as RoomDomain);
    expect(prefixes.length).toBeGreaterThan(1);
    for (const prefix of prefixes) {
      expect(
        destinations.some((d) => d.destination.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
  });

  it('names every room action, typing, presence, the user queues and the destinations of docs/protocol.md', () => {
    for (const action of Object.keys(ROOM_ACTION_BODIES))
      expect(named).toContain(`SEND /app/rooms.<id>.${action}`);
    for (const expected of [
      'SEND /app/rooms.<id>',
      'SEND /app/rooms.<id>.typing',
      'SUBSCRIBE /topic/rooms.<id>',
      'SUBSCRIBE /topic/rooms.<id>.presence',
      'SUBSCRIBE /user/queue/errors',
      'SUBSCRIBE /user/queue/mentions',
      'SUBSCRIBE /user/queue/reports',
    ]) {
      expect(named).toContain(expected);
    }
    const documented = new Set(
      [...protocolPage.matchAll(/`(\/(?:app|topic|user)\/[a-z./<>]+)`/g)].map((m) => m[1] ?? ''),
    );
    const describedPaths = new Set(destinations.map((d) => d.destination));
    for (const path of documented) {
      if (path.includes('…')) continue;
      expect(describedPaths.has(path), path).toBe(true);
    }
  });

  it('carries every room event type with its schema, and each body schema as the adapter reads it', () => {
    const doc = buildAsyncApi({ version: 'test' });
    const messages = asJson(asJson(doc.components).messages);
    for (const option of RoomEventSchema._zod.def.options) {
      const type = String([...(option.shape.type._zod.values ?? [])][0]);
      expect(asJson(messages[`topicRooms.roomEvent.${type}`]).payload, type).toEqual(
        jsonSchemaOf(option, 'output'),
      );
    }
    expect(Object.keys(messages).filter((k) => k.startsWith('topicRooms.roomEvent.')).length).toBe(
      ROOM_EVENT_TYPES.length,
    );
    for (const [action, schema] of Object.entries(ROOM_ACTION_BODIES)) {
      const key = `appRooms${action[0]?.toUpperCase()}${action.slice(1)}.${action}`;
      expect(asJson(messages[key]).payload, action).toEqual(jsonSchemaOf(schema, 'input'));
    }
    expect(doc.asyncapi).toBe('3.0.0');
    for (const operation of Object.values(asJson(doc.operations))) {
      const ref = String(asJson(asJson(operation).channel).$ref);
      expect(asJson(doc.channels)[ref.replace('#/channels/', '')], ref).toBeDefined();
    }
  });
});
