// Furigana (読み仮名): normalised to full-width katakana, and the 五十音順 key made from it.

const SMALL_TO_LARGE: Record<string, string> = {
  ァ: 'ア',
  ィ: 'イ',
  ゥ: 'ウ',
  ェ: 'エ',
  ォ: 'オ',
  ッ: 'ツ',
  ャ: 'ヤ',
  ュ: 'ユ',
  ョ: 'ヨ',
  ヮ: 'ワ',
  ヵ: 'カ',
  ヶ: 'ケ',
};

const KATAKANA_READING = /^[\u30A1-\u30FA\u30FC]+$/;

/**
 * A reading as typed (hiragana or katakana, full- or half-width, with spaces) as full-width
 * katakana without spaces; '' for an empty cell; null when it has anything but kana.
 */
export function normalizeReading(input: string): string | null {
  const compact = input.normalize('NFKC').replace(/[\s・]/gu, '');
  if (compact === '') return '';
  // Hiragana ぁ–ゖ are katakana ァ–ヶ minus 0x60.
  const katakana = compact.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));
  return KATAKANA_READING.test(katakana) ? katakana : null;
}

/** Primary 五十音 key: voiced and small kana sort with their plain form (ガ with カ, ッ with ツ). */
function gojuonKey(reading: string): string {
  return reading
    .normalize('NFD')
    .replace(/[\u3099\u309A]/g, '')
    .replace(/[ァィゥェォッャュョヮヵヶ]/g, (c) => SMALL_TO_LARGE[c] ?? c);
}

/** A person as a list shows them: the name, and the reading when it is known. */
export interface NamedPerson {
  name: string;
  /** Katakana reading (last name, space, first name); absent or null when unknown. */
  reading?: string | null;
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * 五十音順 by reading where it is known (people with a reading first), code-point order of the name
 * otherwise. Within the same primary key, plain kana come before voiced and small ones (カ < ガ).
 */
export function comparePeople(a: NamedPerson, b: NamedPerson): number {
  const ra = a.reading || null;
  const rb = b.reading || null;
  if (ra && rb) {
    return byCodePoint(gojuonKey(ra), gojuonKey(rb)) || byCodePoint(ra, rb) || byCodePoint(a.name, b.name);
  }
  if (ra) return -1;
  if (rb) return 1;
  return byCodePoint(a.name, b.name);
}

/** The reading of a full name from its parts; null when the last-name reading is unknown. */
export function fullReading(
  last: string | null | undefined,
  first: string | null | undefined,
): string | null {
  if (!last) return null;
  return first ? `${last} ${first}` : last;
}
