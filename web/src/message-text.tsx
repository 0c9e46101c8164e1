// User text as text nodes plus safe anchors for http(s) links and highlighted mentions. Never sets HTML
// from user input.
import { Fragment, type JSX } from 'preact';
import { splitLinks } from './linkify.js';
import { splitMentions } from './mentions.js';
import type { User } from './wire.js';

export interface MessageTextProps {
  readonly text: string;
  readonly mentions?: readonly User[] | undefined;
  readonly selfId?: string | undefined;
}

export function MessageText({ text, mentions = [], selfId }: MessageTextProps) {
  // One flat list of pieces under a fragment keyed by the text: an edited body (or quote) is rendered
  // afresh rather than reconciled piece by piece, which once left the old text beside the new one.
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
  return <Fragment key={text}>{pieces}</Fragment>;
}
