// User text as text nodes plus safe anchors for http(s) links and highlighted mentions. Never sets HTML
// from user input.
import { splitLinks } from './linkify.js';
import { splitMentions } from './mentions.js';
import type { User } from './wire.js';

export interface MessageTextProps {
  readonly text: string;
  readonly mentions?: readonly User[] | undefined;
  readonly selfId?: string | undefined;
}

export function MessageText({ text, mentions = [], selfId }: MessageTextProps) {
  return (
    <>
      {splitLinks(text).map((part, index) =>
        part.kind === 'text' ? (
          splitMentions(part.text, mentions).map((piece, inner) =>
            piece.kind === 'text' ? (
              piece.text
            ) : (
              // Index keys are stable: the parts of one message body never change between renders.
              <mark key={`${index}-${inner}`} class={piece.user.id === selfId ? 'mention me' : 'mention'}>
                {piece.text}
              </mark>
            ),
          )
        ) : (
          <a key={index} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
            {part.text}
          </a>
        ),
      )}
    </>
  );
}
