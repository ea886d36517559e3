// The one string order used for display: plain UTF-16 code-unit order.

/**
 * Code-unit order, not localeCompare('ja'). A true 五十音 order needs the reading (furigana): people
 * are ordered by reading.ts's comparePeople where it is known, and by this otherwise. ICU's 'ja' collation orders kanji by its own tables and can change with
 * the Node/ICU version, so it would buy no real-world order and cost determinism (the same run
 * must produce identical notices on every machine and on every rerun).
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
