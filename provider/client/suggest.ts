/**
 * "Did you mean …?" for names a user typed: task keys, sprint-file fields, client options.
 */

/** Levenshtein distance between two strings (small inputs: keys and option names). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Up to `limit` candidates close to `word`: a small edit distance (at most a third of the
 * longer word, at least 2) or one containing the other, case ignored; closest first.
 */
export function closeMatches(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const w = word.toLowerCase();
  const scored: Array<{ c: string; d: number }> = [];
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const d = editDistance(w, lc);
    const threshold = Math.max(2, Math.floor(Math.max(w.length, lc.length) / 3));
    if (d <= threshold || (w.length >= 3 && (lc.includes(w) || w.includes(lc)))) {
      scored.push({ c, d });
    }
  }
  scored.sort((x, y) => x.d - y.d || x.c.localeCompare(y.c));
  return scored.slice(0, limit).map((s) => s.c);
}
