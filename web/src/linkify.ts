// Splits user text into plain runs and http(s) links so the view can render both as text nodes and
// anchors; never produces markup. `www.` addresses without a scheme become https links. Pure: no DOM.

export type TextPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'link'; readonly text: string; readonly href: string };

// A link ends at a bidi control: one inside it could make it read other than where it goes.
// A bare `www.` must follow a non-word character (not the middle of `xwww.`, not after a scheme's `//`
// or an `@`) and be followed by a name with a dot, so "www." alone stays text.
const URL_PATTERN =
  /\bhttps?:\/\/[^\s<>"'`\u200e\u200f\u202a-\u202e\u2066-\u2069]+|(?<![\p{L}\p{N}_@./-])www\.[\p{L}\p{N}-]+\.[^\s<>"'`\u200e\u200f\u202a-\u202e\u2066-\u2069]+/giu;
// Punctuation that usually closes the sentence around a link rather than belonging to it.
const TRAILING = /[.,;:!?)\]}'"»›]+$/;

export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index;
    let candidate = match[0];
    const trailing = TRAILING.exec(candidate);
    if (trailing !== null) {
      // Keep a closing paren that balances one inside the link (Wikipedia-style URLs).
      let cut = trailing[0];
      if (cut.startsWith(')') && (candidate.match(/\(/g)?.length ?? 0) > 0) cut = cut.slice(1);
      candidate = candidate.slice(0, candidate.length - cut.length);
    }
    const href = safeHref(/^www\./i.test(candidate) ? `https://${candidate}` : candidate);
    if (href === undefined) continue;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: candidate, href });
    last = start + candidate.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

/** Only http and https survive URL parsing; anything else stays text. */
function safeHref(candidate: string): string | undefined {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
