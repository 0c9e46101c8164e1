// User text as text nodes plus safe anchors for http(s) links. Never sets HTML from user input.
import { splitLinks } from './linkify.js';

export function MessageText({ text }: { text: string }) {
  return (
    <>
      {splitLinks(text).map((part, index) =>
        part.kind === 'text' ? (
          part.text
        ) : (
          // Index keys are stable: the parts of one message body never change.
          <a key={index} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
            {part.text}
          </a>
        ),
      )}
    </>
  );
}
