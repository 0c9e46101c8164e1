// Nickname and room-name rules: Unicode NFC, trimmed, a bounded number of characters (grapheme
// clusters, so an emoji or a Hangul syllable counts once), nothing invisible, no stacked marks, no
// control or format characters except the joiners emoji need. Nicknames must also not lie: no `#`,
// one script, not a reserved name in disguise. Pure functions; no I/O.
import { ParleyError } from '../errors.js';
import { digitsFromOneSystem, isSingleScript, skeletons } from './name-scripts.js';
import { DEFAULT_MAX_COMBINING_MARKS, hasTooManyMarks } from './text-safety.js';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

// Letters, marks, digits, punctuation, symbols (emoji are symbols), and space separators.
const ALLOWED = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}\u200d]*$/u;
// A zero-width joiner is a format character; it is only meaningful between two pictographs.
const STRAY_JOINER =
  /(?<!\p{Extended_Pictographic}|\u{fe0f}|\p{Emoji_Modifier})\u200d|\u200d(?!\p{Extended_Pictographic})/u;
// Drawn as nothing: default-ignorable code points (Hangul fillers U+115F U+1160 U+3164 U+FFA0, soft
// hyphen, CGJ, …) and blank symbols (Braille blank, null notehead). The joiner and variation
// selectors are default-ignorable too, but they modify a visible neighbour rather than stand alone.
const INVISIBLE =
  /(?![\u200d\ufe00-\ufe0f\u{e0100}-\u{e01ef}])\p{Default_Ignorable_Code_Point}|[\u2800\u{1d159}]/u;
// Something to see: a grapheme with a letter, digit, punctuation or symbol in it.
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

export function countCharacters(text: string): number {
  let count = 0;
  for (const _ of segmenter.segment(text)) count++;
  return count;
}

type NameProblem = 'length' | 'characters' | 'invisible' | 'marks';

function checkName(text: string, maxCharacters: number, maxMarks: number): NameProblem | undefined {
  const length = countCharacters(text);
  if (length < 1 || length > maxCharacters) return 'length';
  if (!ALLOWED.test(text) || STRAY_JOINER.test(text)) return 'characters';
  // A leading mark has no base: it draws over whatever precedes the name.
  if (INVISIBLE.test(text) || /^\p{M}/u.test(text) || !VISIBLE.test(text)) return 'invisible';
  if (hasTooManyMarks(text, maxMarks)) return 'marks';
  return undefined;
}

export const NICKNAME_MAX_CHARACTERS = 32;
export const ROOM_NAME_MAX_CHARACTERS = 64;
export const ROOM_TOPIC_MAX_CHARACTERS = 200;

/**
 * Compared after skeletons(): case, width, accents, look-alike letters, digits and separators do not
 * make one of these available ("Adm1n", "ＳＹＳＴＥＭ", "관리자 1").
 */
export const RESERVED_NICKNAMES: readonly string[] = [
  'admin',
  'administrator',
  'moderator',
  'mod',
  'operator',
  'sysop',
  'system',
  'root',
  'parley',
  'staff',
  'support',
  'official',
  '관리자',
  '운영자',
  '시스템',
  '운영진',
  '운영팀',
  '모더레이터',
  '어드민',
  '관리팀',
  '管理者',
  '管理员',
  '運営',
  'システム',
];
const RESERVED_SKELETONS = new Set(RESERVED_NICKNAMES.flatMap((name) => skeletons(name)));

export interface NameOptions {
  /** Most combining marks on one character (MAX_COMBINING_MARKS). */
  readonly maxCombiningMarks?: number;
}

const NICKNAME_RULES = `A nickname is 1–${NICKNAME_MAX_CHARACTERS} letters, digits, spaces, punctuation or emoji`;
// `#` separates the nickname from the tag: "alice#0412" as a nickname would pose as a handle.
const HASH_LIKE = /[#♯⌗]/u;

function refuseNickname(detail: string): never {
  throw new ParleyError('invalid_nickname', `${NICKNAME_RULES}; ${detail}.`);
}

/** The canonical nickname, or ParleyError('invalid_nickname' | 'nickname_reserved'). */
export function parseNickname(raw: unknown, options: NameOptions = {}): string {
  const maxMarks = options.maxCombiningMarks ?? DEFAULT_MAX_COMBINING_MARKS;
  if (typeof raw !== 'string') return refuseNickname('it must be a string');
  // Spaces of other widths (an IME's U+3000, a pasted no-break space) and runs of them become one
  // plain space: "ali  ce" and "ali ce" must not be two different-looking names for one person.
  const nickname = raw
    .normalize('NFC')
    .trim()
    .replace(/\p{Zs}+/gu, ' ');
  switch (checkName(nickname, NICKNAME_MAX_CHARACTERS, maxMarks)) {
    case 'length':
      return refuseNickname('this one is empty or too long');
    case 'characters':
      return refuseNickname('control, format and bidi characters are not allowed');
    case 'invisible':
      return refuseNickname('it must show something: invisible and blank characters are not allowed');
    case 'marks':
      return refuseNickname(`at most ${maxMarks} accents or marks on one character`);
    case undefined:
      break;
  }
  if (HASH_LIKE.test(nickname.normalize('NFKC'))) return refuseNickname('"#" is not allowed');
  if (!isSingleScript(nickname) || !digitsFromOneSystem(nickname)) {
    return refuseNickname(
      'letters must come from one script (Latin may mix with Chinese, Japanese or Korean)',
    );
  }
  if (skeletons(nickname).some((s) => RESERVED_SKELETONS.has(s))) {
    throw new ParleyError('nickname_reserved', 'That nickname is reserved, or looks like one that is.');
  }
  return nickname;
}

/** A room name or topic: NFC, trimmed, within `maxCharacters`; refused as invalid_room with `rule`. */
function parseRoomText(raw: unknown, maxCharacters: number, options: NameOptions, rule: string): string {
  if (typeof raw === 'string') {
    const text = raw.normalize('NFC').trim();
    const maxMarks = options.maxCombiningMarks ?? DEFAULT_MAX_COMBINING_MARKS;
    if (checkName(text, maxCharacters, maxMarks) === undefined) return text;
  }
  throw new ParleyError('invalid_room', rule);
}

export function parseRoomName(raw: unknown, options: NameOptions = {}): string {
  return parseRoomText(
    raw,
    ROOM_NAME_MAX_CHARACTERS,
    options,
    `A room name is 1–${ROOM_NAME_MAX_CHARACTERS} letters, digits, spaces, punctuation or emoji.`,
  );
}

/** Topics may be absent (null); when given they follow the name rules with a longer bound. */
export function parseRoomTopic(raw: unknown, options: NameOptions = {}): string | null {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return null;
  return parseRoomText(
    raw,
    ROOM_TOPIC_MAX_CHARACTERS,
    options,
    `A topic is at most ${ROOM_TOPIC_MAX_CHARACTERS} characters of text.`,
  );
}
