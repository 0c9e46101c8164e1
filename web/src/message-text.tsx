// User text as text nodes plus safe anchors for http(s) links and highlighted mentions. Never sets HTML
// from user input.
import type { JSX } from 'preact';
import { splitLinks } from './linkify.js';
import { splitMentions } from './mentions.js';
import type { User } from './wire.js';

export interface MessageTextProps {
  readonly text: string;
  readonly mentions?: readonly User[] | undefined;
  readonly selfId?: string | undefined;
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
        <a key={`a${index}`} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
          {part.text}
        </a>,
      );
      return;
    }
    splitMentions(part.text, mentions).forEach((piece, inner) => {
      pieces.push(
        piece.kind === 'text' ? (
          piece.text
        ) : (
          <mark key={`m${index}-${inner}`} class={piece.user.id === selfId ? 'mention me' : 'mention'}>
            {piece.text}
          </mark>
        ),
      );
    });
  });
  return <span class="text">{pieces}</span>;
}
