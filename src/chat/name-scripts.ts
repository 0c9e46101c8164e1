// Whether a name mixes scripts the way spoofed names do (Unicode TR39, "highly restrictive"); the
// confusable skeleton reserved names are compared under; the key look-alike nicknames share tags by.
// Pure; knows nothing of users or storage. The look-alike table is deliberately small (Cyrillic,
// Greek, small capitals, digits as letters), not all of confusables.txt.

/** Scripts told apart; a letter of any other script counts as one script named 'other'. */
const SCRIPTS = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Georgian',
  'Hebrew',
  'Arabic',
  'Syriac',
  'Thaana',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Khmer',
  'Mongolian',
  'Ethiopic',
  'Cherokee',
  'Canadian_Aboriginal',
  'Hangul',
  'Hiragana',
  'Katakana',
  'Han',
  'Bopomofo',
  'Yi',
  'Tifinagh',
  'Nko',
  'Javanese',
  'Balinese',
  'Ol_Chiki',
  'Runic',
  'Ogham',
  'Coptic',
  'Glagolitic',
  'Vai',
  'Bamum',
  'Adlam',
] as const;
const SCRIPT_PATTERNS = SCRIPTS.map((name) => [name, new RegExp(`\\p{scx=${name}}`, 'u')] as const);
/** Characters every script shares (digits, punctuation, emoji, combining marks without a home). */
const SHARED = /^[\p{scx=Common}\p{scx=Inherited}]$/u;

/** CJK writing systems mix scripts by nature; TR39 names them as these combined sets. */
const JAPANESE = 'Japanese';
const KOREAN = 'Korean';
const CHINESE = 'Chinese';

function scriptSet(ch: string): Set<string> {
  const set = new Set<string>();
  for (const [name, pattern] of SCRIPT_PATTERNS) if (pattern.test(ch)) set.add(name);
  if (set.size === 0) set.add('other');
  if (set.has('Han')) for (const s of [JAPANESE, KOREAN, CHINESE]) set.add(s);
  if (set.has('Hiragana') || set.has('Katakana')) set.add(JAPANESE);
  if (set.has('Hangul')) set.add(KOREAN);
  if (set.has('Bopomofo')) set.add(CHINESE);
  return set;
}

function resolved(chars: readonly string[]): Set<string> | undefined {
  let common: Set<string> | undefined;
  for (const ch of chars) {
    const set = scriptSet(ch);
    common = common === undefined ? set : new Set([...common].filter((s) => set.has(s)));
    if (common.size === 0) return common;
  }
  return common;
}

/**
 * True when the name is written in one script, or is Latin mixed only with one CJK writing system
 * (Latin + Han + Hiragana + Katakana, Latin + Hangul + Han, Latin + Han + Bopomofo): TR39's highly
 * restrictive profile. "аdmin" (Cyrillic а) and "pаypal" are not.
 */
export function isSingleScript(name: string): boolean {
  const chars = [...name].filter((ch) => !SHARED.test(ch));
  const all = resolved(chars);
  if (all === undefined || all.size > 0) return true;
  const rest = resolved(chars.filter((ch) => !scriptSet(ch).has('Latin')));
  if (rest === undefined) return true;
  return rest.has(JAPANESE) || rest.has(KOREAN) || rest.has(CHINESE);
}

/**
 * True when every decimal digit comes from one numbering system (no ৪ posing as 8 beside 1 and 2).
 * Each system's ten digits lie within one aligned block of sixteen code points, after NFKC has
 * turned full-width and mathematical digits into ASCII.
 */
export function digitsFromOneSystem(name: string): boolean {
  let block: number | undefined;
  for (const match of name.normalize('NFKC').matchAll(/\p{Nd}/gu)) {
    const current = (match[0].codePointAt(0) ?? 0) >> 4;
    block ??= current;
    if (block !== current) return false;
  }
  return true;
}

// Lower-case letters of other scripts and of Latin extensions that draw like ASCII ones.
// biome-ignore format: pairs are easier to audit one per entry.
const CONFUSABLE: Readonly<Record<string, string>> = {
  // Cyrillic
  'а': 'a', 'в': 'b', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'ё': 'e', 'һ': 'h', 'н': 'h', 'і': 'i', 'ї': 'i',
  'ј': 'j', 'к': 'k', 'ӏ': 'i', 'м': 'm', 'п': 'n', 'о': 'o', 'р': 'p', 'ԛ': 'q', 'г': 'r', 'ѕ': 's',
  'т': 't', 'ц': 'u', 'у': 'y', 'ѵ': 'v', 'ԝ': 'w', 'х': 'x', 'з': '3',
  // Greek
  'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'μ': 'm', 'ν': 'n', 'ο': 'o', 'ρ': 'p',
  'τ': 't', 'υ': 'u', 'χ': 'x', 'ζ': 'z', 'γ': 'y', 'ω': 'w',
  // Latin look-alikes NFKC leaves alone (small capitals, IPA)
  'ɑ': 'a', 'ᴀ': 'a', 'ʙ': 'b', 'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e', 'ɡ': 'g', 'ɢ': 'g', 'ʜ': 'h', 'ı': 'i',
  'ɪ': 'i', 'ᴊ': 'j', 'ᴋ': 'k', 'ʟ': 'l', 'ᴍ': 'm', 'ɴ': 'n', 'ᴏ': 'o', 'ᴘ': 'p', 'ʀ': 'r', 'ꜱ': 's',
  'ᴛ': 't', 'ᴜ': 'u', 'ᴠ': 'v', 'ᴡ': 'w', 'ʏ': 'y', 'ᴢ': 'z', 'ø': 'o', 'ł': 'l', 'đ': 'd', 'ħ': 'h',
  // Strokes and digits that pass for letters in a name
  '|': 'l', '!': 'i', '0': 'o', '1': 'l', '$': 's', '@': 'a',
  // Lisu: a whole script of Latin capitals (ꓮꓓꓟꓲꓠ passes the one-script rule and reads ADMIN)
  'ꓮ': 'a', 'ꓐ': 'b', 'ꓚ': 'c', 'ꓓ': 'd', 'ꓰ': 'e', 'ꓝ': 'f', 'ꓖ': 'g', 'ꓧ': 'h', 'ꓲ': 'i', 'ꓙ': 'j',
  'ꓗ': 'k', 'ꓡ': 'l', 'ꓟ': 'm', 'ꓠ': 'n', 'ꓳ': 'o', 'ꓑ': 'p', 'ꓣ': 'r', 'ꓢ': 's', 'ꓔ': 't', 'ꓴ': 'u',
  'ꓦ': 'v', 'ꓪ': 'w', 'ꓫ': 'x', 'ꓬ': 'y', 'ꓜ': 'z',
};

/**
 * Latin capitals drawn in a box, a circle or as regional indicators that NFKC leaves alone (🅰🅳🅼🅸🅽,
 * 🅐🅓🅜🅘🅝, 🇦🇩🇲🇮🇳): symbols, not letters, so neither the script rule nor NFKC sees through them.
 */
const SYMBOL_ALPHABETS: readonly number[] = [0x1f150, 0x1f170, 0x1f1e6];

/**
 * The ASCII letter a lower-case letter of another script (or a Latin extension) is drawn like, if it is
 * one; undefined for anything else (digits and signs too: "h3llo" is not a disguise of a word).
 */
export function asciiLookAlike(ch: string): string | undefined {
  const mapped = CONFUSABLE[ch];
  return mapped !== undefined && /^\p{L}$/u.test(ch) ? mapped : undefined;
}

function lookAlike(ch: string): string {
  const mapped = CONFUSABLE[ch];
  if (mapped !== undefined) return mapped;
  const code = ch.codePointAt(0) ?? 0;
  for (const start of SYMBOL_ALPHABETS) {
    if (code >= start && code < start + 26) return String.fromCharCode(0x61 + code - start);
  }
  return ch;
}

/**
 * A loose skeleton for comparing against reserved names: NFKC, case folded, accents removed,
 * look-alike letters mapped to ASCII and l/I/1 merged; digits and everything but letters dropped
 * (so "Adm1n", "a.d.m.i.n", "ＡＤＭＩＮ", "аdmin" and "admin2" all come out "admin").
 */
export function skeletons(name: string): string[] {
  const base = name.normalize('NFKC').toLowerCase().normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC');
  const merge = (s: string): string => s.replace(/l/g, 'i').replace(/[^\p{L}]/gu, '');
  const asLetters = [...base].map(lookAlike).join('');
  const lettersOnly = [...base.replace(/[^\p{L}]/gu, '')].map(lookAlike).join('');
  // Digits and signs read as letters ("r00t", "adm!n"), or as decoration ("root99", "운영진!"):
  // either reading may be the disguise.
  return [...new Set([merge(asLetters), merge(lettersOnly)])];
}

/**
 * The key a nickname's tags are allocated under: names that fold, or look, alike share one tag space,
 * so no two live identities can show the same-looking name with the same tag. Unlike skeletons(),
 * it keeps digits and separators: "alice 2" and "alice" are told apart by people too.
 */
export function nameKey(nickname: string): string {
  const base = nickname.normalize('NFKC').toLowerCase();
  return [...base].map(lookAlike).join('').replace(/l/g, 'i').normalize('NFC');
}
