// Nickname and room-name rules from the contract: Unicode NFC, trimmed, a bounded number of
// characters (grapheme clusters, so an emoji or a Hangul syllable counts once), no control or format
// characters except the joiners that emoji sequences need. Pure functions; no I/O.
import { ParleyError } from '../errors.js';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

// Letters, marks, digits, punctuation, symbols (emoji are symbols), and space separators.
const ALLOWED = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}\u200d]*$/u;
// A zero-width joiner is a format character; it is only meaningful between two pictographs.
const STRAY_JOINER =
  /(?<!\p{Extended_Pictographic}|\u{fe0f}|\p{Emoji_Modifier})\u200d|\u200d(?!\p{Extended_Pictographic})/u;

export function countCharacters(text: string): number {
  let count = 0;
  for (const _ of segmenter.segment(text)) count++;
  return count;
}

function normalizeName(raw: unknown, maxCharacters: number): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = raw.normalize('NFC').trim();
  const length = countCharacters(text);
  if (length < 1 || length > maxCharacters) return undefined;
  if (!ALLOWED.test(text) || STRAY_JOINER.test(text)) return undefined;
  return text;
}

export const NICKNAME_MAX_CHARACTERS = 32;
export const ROOM_NAME_MAX_CHARACTERS = 64;
export const ROOM_TOPIC_MAX_CHARACTERS = 200;

/** The canonical nickname, or ParleyError('invalid_nickname'). */
export function parseNickname(raw: unknown): string {
  const nickname = normalizeName(raw, NICKNAME_MAX_CHARACTERS);
  if (nickname === undefined) {
    throw new ParleyError(
      'invalid_nickname',
      `A nickname is 1–${NICKNAME_MAX_CHARACTERS} letters, digits, spaces, punctuation or emoji.`,
    );
  }
  return nickname;
}

export function parseRoomName(raw: unknown): string {
  const name = normalizeName(raw, ROOM_NAME_MAX_CHARACTERS);
  if (name === undefined) {
    throw new ParleyError(
      'invalid_room',
      `A room name is 1–${ROOM_NAME_MAX_CHARACTERS} letters, digits, spaces, punctuation or emoji.`,
    );
  }
  return name;
}

/** Topics may be absent (null); when given they follow the name rules with a longer bound. */
export function parseRoomTopic(raw: unknown): string | null {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return null;
  const topic = normalizeName(raw, ROOM_TOPIC_MAX_CHARACTERS);
  if (topic === undefined) {
    throw new ParleyError(
      'invalid_room',
      `A topic is at most ${ROOM_TOPIC_MAX_CHARACTERS} characters of text.`,
    );
  }
  return topic;
}
