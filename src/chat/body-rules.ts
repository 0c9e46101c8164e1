// What a member may write into a room: a message body (new or edited), a report or sanction reason,
// a reaction emoji. The one copy of these rules (control characters, length in code points, the
// text-safety checks); pure, knows nothing of rooms, storage or transport.
import { ParleyError } from '../errors.js';
import { checkBodyText } from './text-safety.js';

/** Control characters other than tab, line feed and carriage return. */
const FORBIDDEN_CONTROL = /(?![\t\n\r])\p{Cc}/u;
export const MAX_REASON_CHARS = 500;

export interface BodyLimits {
  readonly messageMaxChars: number;
  /** Most combining marks on one character (MAX_COMBINING_MARKS). */
  readonly maxCombiningMarks: number;
}

/** A message body as it will be stored (trimmed), or the refusal: empty, controls, unsafe, too long. */
export function checkMessageBody(raw: string, limits: BodyLimits): string {
  const body = raw.trim();
  if (body.length === 0) throw new ParleyError('invalid_message', 'The message is empty.');
  if (FORBIDDEN_CONTROL.test(body))
    throw new ParleyError('invalid_message', 'The message contains control characters.');
  checkBodyText(body, limits.maxCombiningMarks);
  // Count code points, not UTF-16 units: an emoji is one character to the person typing it.
  if (body.length > limits.messageMaxChars && codePoints(body) > limits.messageMaxChars) {
    throw new ParleyError('message_too_long', `A message is at most ${limits.messageMaxChars} characters.`);
  }
  return body;
}

/**
 * A report or sanction reason (trimmed; null when none was given). Reasons are shown to the sanctioned
 * member, in reports and in the audit log: the body rules apply.
 */
export function checkReason(
  raw: string | null | undefined,
  required: boolean,
  maxMarks: number,
): string | null {
  if (raw === undefined || raw === null) {
    if (required) throw new ParleyError('invalid_request', 'A reason is required.');
    return null;
  }
  const reason = raw.trim();
  if (reason.length === 0 && required) throw new ParleyError('invalid_request', 'A reason is required.');
  if (codePoints(reason) > MAX_REASON_CHARS || FORBIDDEN_CONTROL.test(reason)) {
    throw new ParleyError(
      'invalid_request',
      `A reason is at most ${MAX_REASON_CHARS} characters, without control characters.`,
    );
  }
  checkBodyText(reason, maxMarks);
  return reason.length === 0 ? null : reason;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
// One grapheme cluster built of emoji and symbols (with their joiners, selectors and modifiers).
const EMOJI_PARTS =
  /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\p{So}|\p{Sm}|\p{Sk}|\u200d|\ufe0f|\u20e3)+$/u;
const EMOJI_CORE = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\p{So}|\p{Sm}|\p{Sk}|\u20e3/u;

/** One emoji or symbol (NFC, at most 16 UTF-16 units, one grapheme), or `invalid_request`. */
export function parseEmoji(value: unknown): string {
  if (typeof value !== 'string')
    throw new ParleyError('invalid_request', 'The field "emoji" must be a string.');
  const emoji = value.normalize('NFC');
  if (
    emoji.length < 1 ||
    emoji.length > 16 ||
    [...graphemes.segment(emoji)].length !== 1 ||
    !EMOJI_PARTS.test(emoji) ||
    !EMOJI_CORE.test(emoji)
  ) {
    throw new ParleyError(
      'invalid_request',
      'The emoji must be one emoji or symbol (at most 16 characters).',
    );
  }
  return emoji;
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
