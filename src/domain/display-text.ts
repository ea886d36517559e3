// Free text from the database (office, staff and recipient names, the app name) as every channel
// shows it: email display names, subject, HTML and text bodies, push titles and data. One place, so
// that a hostile name cannot break a header or a line in one channel while another strips it.

/**
 * C0 and C1 controls (CR, LF, TAB, NUL, ESC, …), DEL, and the Unicode line and paragraph
 * separators: they break lines in headers, text bodies and notification titles.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u0085]+/gu;

/**
 * Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the bidi marks
 * (U+200E, U+200F, U+061C), zero-width characters (U+200B–U+200D, U+2060–U+2064, U+FEFF) and
 * the other invisible format characters of U+206A–U+206F: they can reorder what a reader sees
 * ("Trojan Source" names: an office name that shows another office's name) or hide text.
 */
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/gu;

/** Lone surrogates cannot be encoded in UTF-8 (they would become U+FFFD anyway). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/gu;

/**
 * Free text made safe to show on one line in any channel: NFC-normalised, line-breaking and
 * control characters become a space, bidi and invisible format characters are removed, runs of
 * spaces collapse to one, and the ends are trimmed (an ideographic space 　 is kept). Markup is kept as text: each
 * channel escapes for its own syntax (HTML escapes it; see `notificationText` for push).
 */
export function displayText(value: string): string {
  if (isDisplayReady(value)) return value;
  return value
    .replace(LONE_SURROGATE, '\ufffd')
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(LINE_BREAKING, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/**
 * Characters displayText never changes: printable ASCII, CJK symbols and punctuation, kana without
 * the combining sound marks U+3099/U+309A (NFC composes them with the kana before), CJK unified
 * ideographs, and the full- and half-width forms. All are stable under NFC, none is a control, bidi
 * or invisible character, and none is a surrogate.
 */
const DISPLAY_READY = /^[\x20-\x7e\u3000-\u3098\u309b-\u30ff\u4e00-\u9fff\uff01-\uff9f]*$/;

/**
 * True when displayText(value) is value itself: only DISPLAY_READY characters, no run of spaces and
 * no space (ASCII or ideographic, both trimmed) at either end. Nearly every name in a real data set
 * is, and a run renders each one twice per email: this check is one regular-expression scan instead
 * of a normalisation and five replacements.
 */
function isDisplayReady(value: string): boolean {
  if (!DISPLAY_READY.test(value)) return false;
  if (value.length === 0) return true;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  return first !== 0x20 && first !== 0x3000 && last !== 0x20 && last !== 0x3000 && !value.includes('  ');
}

const MARKUP_LOOKALIKES: Record<string, string> = { '<': '＜', '>': '＞', '&': '＆' };

/**
 * displayText for a system notification (Web Push title, body and data): some notification
 * servers (freedesktop, used by Linux desktops) read `<b>`, `<a href>` and `&amp;` in a body as
 * markup, and a push payload cannot be escaped for every one of them. The three markup
 * characters become their full-width forms (＜＞＆), which read the same in a Japanese name.
 */
export function notificationText(value: string): string {
  return displayText(value).replace(/[<>&]/g, (ch) => MARKUP_LOOKALIKES[ch] ?? ch);
}
