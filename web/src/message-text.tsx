// User text as text nodes plus safe anchors for http(s) links and highlighted mentions. Never sets HTML
// from user input. The text is its own bidi isolate and every link a left-to-right one inside it, and
// bidi overrides are shown, not obeyed: nothing in a body can reorder its link or the text around it.
import type { JSX } from 'preact';
import type { User } from '../../src/protocol/index.js';
import { splitLinks } from './linkify.js';
import { splitMentions } from './mentions.js';

export interface MessageTextProps {
  readonly text: string;
  readonly mentions?: readonly User[] | undefined;
  readonly selfId?: string | undefined;
}

// LRO and RLO reverse the characters after them ("…/‮gpj.exe" reads "…/exe.jpg"). The server refuses
// them (unsafe_text), but bodies stored before that still hold them: draw the code point instead.
const BIDI_OVERRIDE = /([\u202d\u202e])/u;

function showOverrides(text: string, key: string): Array<string | JSX.Element> {
  if (!BIDI_OVERRIDE.test(text)) return [text];
  return text
    .split(BIDI_OVERRIDE)
    .filter((piece) => piece !== '')
    .map((piece, index) => {
      if (!BIDI_OVERRIDE.test(piece)) return piece;
      const code = `U+${(piece.codePointAt(0) ?? 0).toString(16).toUpperCase()}`;
      return (
        <span key={`${key}-o${index}`} class="bidi-control" title={code}>
          [{code}]
        </span>
      );
    });
}

export function MessageText({ text, mentions = [], selfId }: MessageTextProps) {
  // The pieces live in one element of their own. They used to be a fragment keyed by the text, which
  // under load sometimes left the old text beside the new one after an edit ('orignal textoriginal
  // text' in a reply's quote, 2 of 5 runs of the e2e suite beside other tests); callers key this
  // component by its text instead, so a changed text is a new element, never a patched fragment.
  const pieces: Array<string | JSX.Element> = [];
  splitLinks(text).forEach((part, index) => {
    if (part.kind !== 'text') {
      pieces.push(
        <a
          key={`a${index}`}
          href={part.href}
          target="_blank"
          rel="noopener noreferrer nofollow ugc"
          dir="ltr"
        >
          {part.text}
        </a>,
      );
      return;
    }
    splitMentions(part.text, mentions).forEach((piece, inner) => {
      if (piece.kind === 'text') {
        pieces.push(...showOverrides(piece.text, `t${index}-${inner}`));
        return;
      }
      pieces.push(
        <mark key={`m${index}-${inner}`} class={piece.user.id === selfId ? 'mention me' : 'mention'}>
          {piece.text}
        </mark>,
      );
    });
  });
  return <bdi class="text">{pieces}</bdi>;
}
