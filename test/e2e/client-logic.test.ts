// The web client's pure rules under Node (no browser): log merge and dedupe across history pages,
// live frames and resume; pending own messages; link splitting; typing throttle; locale choice; wire
// guards. These sit here because the root Vitest config collects tests from test/, not web/.
import { describe, expect, it } from 'vitest';
import {
  ErrorBodySchema,
  MessageSchema,
  PresenceEventSchema,
  WireErrorSchema,
} from '../../src/protocol/index.js';
import { frameBody, read, readJson, WireShapeError } from '../../web/src/decode.js';
import { pickLocale, stringsFor } from '../../web/src/i18n.js';
import { splitLinks } from '../../web/src/linkify.js';
import {
  addMessages,
  addNotice,
  addPending,
  emptyLog,
  highestSeq,
  type LogState,
  logEntries,
  lowestSeq,
  setPendingStatus,
} from '../../web/src/log-state.js';
import { createThrottle, msUntilRefresh } from '../../web/src/throttle.js';
import { alice, bob, message } from './wire-fixtures.js';

const seqs = (state: LogState): number[] => state.messages.map((m) => m.seq);

describe('log state', () => {
  it('merges pages and live frames in seq order and drops repeats', () => {
    let state = addMessages(emptyLog, [message(3), message(4), message(5)]);
    state = addMessages(state, [message(5), message(6)]);
    state = addMessages(state, [message(1), message(2), message(3)]);
    expect(seqs(state)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(highestSeq(state)).toBe(6);
    expect(lowestSeq(state)).toBe(1);
  });

  it('keeps the first copy of a seq and returns the same state when nothing is new', () => {
    const state = addMessages(emptyLog, [message(1, { body: 'first' })]);
    const again = addMessages(state, [message(1, { body: 'replayed' })]);
    expect(again).toBe(state);
    expect(again.messages[0]?.body).toBe('first');
  });

  it('reports 0 / undefined as the resume point of an empty log', () => {
    expect(highestSeq(emptyLog)).toBe(0);
    expect(lowestSeq(emptyLog)).toBeUndefined();
  });

  it('replaces an own pending message when its clientMsgId arrives, whatever its status', () => {
    let state = addPending(emptyLog, { clientMsgId: 'c1', body: 'hi', createdAtMs: 1, status: 'sending' });
    state = addPending(state, { clientMsgId: 'c2', body: 'yo', createdAtMs: 2, status: 'queued' });
    state = setPendingStatus(state, 'c1', 'sent');
    state = addMessages(state, [message(7, { author: alice, body: 'hi', clientMsgId: 'c1' })]);
    expect(state.pending.map((p) => p.clientMsgId)).toEqual(['c2']);
    expect(seqs(state)).toEqual([7]);
    // A late RECEIPT for a message already confirmed changes nothing.
    expect(setPendingStatus(state, 'c1', 'sent')).toBe(state);
  });

  it('keeps an error code only while failed and clears it on retry', () => {
    let state = addPending(emptyLog, { clientMsgId: 'c1', body: 'hi', createdAtMs: 1, status: 'sending' });
    state = setPendingStatus(state, 'c1', 'failed', 'rate_limited');
    expect(state.pending[0]).toMatchObject({ status: 'failed', errorCode: 'rate_limited' });
    state = setPendingStatus(state, 'c1', 'sending');
    expect(state.pending[0]?.status).toBe('sending');
    expect(state.pending[0]?.errorCode).toBeUndefined();
  });

  it('does not add the same pending clientMsgId twice', () => {
    const once = addPending(emptyLog, { clientMsgId: 'c1', body: 'a', createdAtMs: 1, status: 'queued' });
    expect(addPending(once, { clientMsgId: 'c1', body: 'a', createdAtMs: 2, status: 'queued' })).toBe(once);
  });

  it('orders entries: messages by seq, notices where they happened, own in-flight last', () => {
    let state = addMessages(emptyLog, [message(3), message(4)]);
    state = addNotice(state, { id: 'n1', kind: 'join', user: alice, atMs: 10 });
    state = addPending(state, { clientMsgId: 'c1', body: 'mine', createdAtMs: 11, status: 'sending' });
    state = addMessages(state, [message(5)]);
    // An older page arriving later does not move the notice.
    state = addMessages(state, [message(1), message(2)]);
    expect(logEntries(state).map((e) => e.key)).toEqual(['m:1', 'm:2', 'm:3', 'm:4', 'n:n1', 'm:5', 'p:c1']);
  });

  it('bounds the number of notices kept', () => {
    let state: LogState = emptyLog;
    for (let i = 0; i < 250; i++) state = addNotice(state, { id: `n${i}`, kind: 'join', user: bob, atMs: i });
    expect(state.notices.length).toBe(200);
    expect(state.notices[0]?.id).toBe('n50');
  });
});

describe('splitLinks', () => {
  it('keeps markup as plain text parts', () => {
    const text = '<img src=x onerror=alert(1)><b>bold</b>';
    expect(splitLinks(text)).toEqual([{ kind: 'text', text }]);
  });

  it('turns http and https URLs into links and leaves sentence punctuation outside', () => {
    expect(splitLinks('see https://example.com/a?b=1, and http://x.org/(y).')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ', and ' },
      { kind: 'link', text: 'http://x.org/(y)', href: 'http://x.org/(y)' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('links www. addresses as https and leaves look-alikes as text', () => {
    expect(splitLinks('go to www.example.com/path, now')).toEqual([
      { kind: 'text', text: 'go to ' },
      { kind: 'link', text: 'www.example.com/path', href: 'https://www.example.com/path' },
      { kind: 'text', text: ', now' },
    ]);
    expect(splitLinks('(www.한국.kr)')).toEqual([
      { kind: 'text', text: '(' },
      { kind: 'link', text: 'www.한국.kr', href: 'https://www.xn--3e0b707e.kr/' },
      { kind: 'text', text: ')' },
    ]);
    // Inside a scheme-less word, an e-mail address or a path it is not an address of its own.
    for (const text of ['www.', 'awww.example.com', 'me@www.example.com', 'a/www.example.com', 'www.x']) {
      expect(splitLinks(text).every((part) => part.kind === 'text')).toBe(true);
    }
    // With its scheme it is one link, not two.
    expect(splitLinks('http://www.example.com')).toEqual([
      { kind: 'link', text: 'http://www.example.com', href: 'http://www.example.com/' },
    ]);
  });

  it('never links other schemes', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'ftp://example.com/x']) {
      expect(splitLinks(text).every((part) => part.kind === 'text')).toBe(true);
    }
  });

  it('returns nothing for an empty body and the text itself when there is no link', () => {
    expect(splitLinks('')).toEqual([]);
    expect(splitLinks('안녕 👋')).toEqual([{ kind: 'text', text: '안녕 👋' }]);
  });

  it('ends a link at any bidi control, so none can make it read other than where it goes', () => {
    for (const control of [
      '\u200e',
      '\u200f',
      '\u202a',
      '\u202b',
      '\u202c',
      '\u202d',
      '\u202e',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
    ]) {
      expect(splitLinks(`https://example.com/${control}gpj.exe`)).toEqual([
        { kind: 'link', text: 'https://example.com/', href: 'https://example.com/' },
        { kind: 'text', text: `${control}gpj.exe` },
      ]);
    }
  });
});

describe('typing throttle', () => {
  it('opens at most once per interval', () => {
    const gate = createThrottle(3000);
    expect(gate(10_000)).toBe(true);
    expect(gate(10_001)).toBe(false);
    expect(gate(12_999)).toBe(false);
    expect(gate(13_000)).toBe(true);
    expect(gate(15_000)).toBe(false);
  });
});

describe('token refresh timing', () => {
  const minute = 60_000;
  it('refreshes five minutes ahead of a long-lived token', () => {
    expect(msUntilRefresh(7 * 24 * 60 * minute, 0)).toBe(7 * 24 * 60 * minute - 5 * minute);
  });

  it('waits half the remaining life of a short token, so it never refreshes in a loop', () => {
    expect(msUntilRefresh(minute, 0)).toBe(30_000);
    expect(msUntilRefresh(8 * minute, 0)).toBe(4 * minute);
  });

  it('refreshes at once when the token has expired', () => {
    expect(msUntilRefresh(1000, 5000)).toBe(0);
  });
});

describe('locale', () => {
  it('picks Korean for ko-* and English otherwise', () => {
    expect(pickLocale(['ko-KR', 'en-US'])).toBe('ko');
    expect(pickLocale(['fr-FR', 'ko'])).toBe('ko');
    expect(pickLocale(['en-GB', 'ko'])).toBe('en');
    expect(pickLocale(['de-DE'])).toBe('en');
    expect(pickLocale([])).toBe('en');
  });

  it('keeps the contract field names in English and unique in every locale', () => {
    const en = stringsFor('en');
    expect([en.nicknameLabel, en.roomNameLabel, en.messageLabel]).toEqual([
      'Nickname',
      'Room name',
      'Message',
    ]);
    for (const locale of ['en', 'ko'] as const) {
      const t = stringsFor(locale);
      // No other label may contain the field's name, or a label lookup would find two fields.
      expect(t.logLabel).not.toContain(t.messageLabel);
      expect(t.searchLabel).not.toContain(t.roomNameLabel);
      expect(t.searchLabel).not.toContain(t.nicknameLabel);
      expect(t.searchLabel).not.toContain(t.messageLabel);
    }
  });
});

describe('reading the wire (src/protocol schemas through web/src/decode.ts)', () => {
  it('reads a message with and without clientMsgId', () => {
    const raw = { ...message(4), clientMsgId: 'c9' };
    expect(read(MessageSchema, raw, 'message')).toEqual(raw);
    const { clientMsgId: _omit, ...bare } = raw;
    expect(read(MessageSchema, bare, 'message')).toEqual(bare);
  });

  it('refuses a message with a bad seq or a missing author, naming the field', () => {
    expect(() => read(MessageSchema, { ...message(1), seq: 0 }, 'message')).toThrow(WireShapeError);
    expect(() => read(MessageSchema, { ...message(1), seq: 1.5 }, 'message')).toThrow(/message\.seq/);
    expect(() => read(MessageSchema, { ...message(1), author: undefined }, 'message')).toThrow(
      WireShapeError,
    );
  });

  it('reads presence events and refuses unknown types', () => {
    expect(read(PresenceEventSchema, { type: 'typing', user: alice }, 'presence')).toEqual({
      type: 'typing',
      user: alice,
    });
    expect(() => read(PresenceEventSchema, { type: 'dance', user: alice }, 'presence')).toThrow(
      WireShapeError,
    );
  });

  it('reads both error shapes: queue body and HTTP envelope, with catalogue codes only', () => {
    expect(readJson(WireErrorSchema, '{"code":"rate_limited","message":"slow"}', 'error')).toEqual({
      code: 'rate_limited',
      message: 'slow',
    });
    expect(read(ErrorBodySchema, { error: { code: 'room_not_found', message: 'gone' } }, 'error')).toEqual({
      error: { code: 'room_not_found', message: 'gone' },
    });
    expect(() => readJson(WireErrorSchema, '{"code":"made_up","message":"?"}', 'error')).toThrow(
      WireShapeError,
    );
  });

  it('drops a live frame that is not JSON or not the shape, instead of throwing at the view', () => {
    expect(frameBody(MessageSchema, '{"id":')).toBeUndefined();
    expect(frameBody(MessageSchema, JSON.stringify({ ...message(1), seq: -1 }))).toBeUndefined();
    expect(frameBody(MessageSchema, JSON.stringify(message(1)))).toEqual(message(1));
  });
});

describe('identity routes and codes', () => {
  it('reads a device link code only from /link#…', async () => {
    const { linkCodeIn } = await import('../../web/src/link-code.js');
    expect(linkCodeIn('/link', '#AB1K-M0PQ')).toBe('AB1K-M0PQ');
    expect(linkCodeIn('/link', '#ab1km0pq')).toBe('ab1km0pq');
    expect(linkCodeIn('/identity', '#AB1K-M0PQ')).toBeUndefined();
    expect(linkCodeIn('/link', '#<script>')).toBeUndefined();
    expect(linkCodeIn('/link', '')).toBeUndefined();
  });

  it('tells a link code from a recovery code by its length, however it is spaced', async () => {
    const { codeKind } = await import('../../web/src/api.js');
    expect(codeKind('AB1K-M0PQ')).toBe('link');
    expect(codeKind(' ab1k m0pq ')).toBe('link');
    expect(codeKind('AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG')).toBe('recovery');
  });

  it('has every identity panel string in both languages', () => {
    const en = stringsFor('en');
    const ko = stringsFor('ko');
    for (const key of [
      'identityTitle',
      'rename',
      'createRecoveryCode',
      'showLinkCode',
      'signOutOthers',
      'startOver',
    ] as const) {
      expect(en[key]).not.toBe('');
      expect(ko[key]).not.toBe(en[key]);
    }
    expect(ko.error('invalid_code')).not.toBe(ko.error('no_such_code'));
  });
});
