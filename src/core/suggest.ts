/**
 * "Did you mean …?" for a mistyped distribution alias or sub-command: the one known word nearest to what
 * was typed, when it is near enough to be a slip of the fingers rather than a different word.
 */

/** A word the bot knows: a configured distribution alias, or a sub-command of `/invalidate`. */
export type Candidate = { kind: 'distribution' | 'command'; word: string };

/** Edit distance between two strings (Levenshtein), injected so this module keeps no package import. */
export type Distance = (a: string, b: string) => number;

/**
 * Longer typed words are not compared at all. Aliases have at most 64 characters (config.ts), so a word
 * two longer is the longest within reach; the distance costs the product of the two lengths, so a pasted
 * page must cost nothing.
 */
export const MAX_SUGGESTED_LENGTH = 66;

/**
 * The nearest candidate to `typed`, ignoring case, or undefined when none is near enough or the nearest
 * is ambiguous. Near enough: at most 1 edit when the shorter of the two words has up to 4 characters, at
 * most 2 when longer, and fewer edits than the shorter word has characters (so `a` never suggests `b`).
 * Two neighbouring letters swapped (`wbe` for `web`) count as one edit, the commonest slip, though
 * Levenshtein counts two. On a tie a distribution wins over a sub-command (the aliases are what a team
 * types every day); two of the same kind tied suggest nothing, as a guess between them would mislead.
 */
export function nearest(
  typed: string,
  candidates: readonly Candidate[],
  distance: Distance,
): Candidate | undefined {
  if (typed.length === 0 || typed.length > MAX_SUGGESTED_LENGTH) return undefined;
  const lower = typed.toLowerCase();
  let best: { candidate: Candidate; edits: number; tied: boolean } | undefined;
  for (const candidate of candidates) {
    const edits = editsWithin(lower, candidate.word.toLowerCase(), distance);
    if (edits === undefined || edits === 0) continue;
    if (best === undefined || edits < best.edits) {
      best = { candidate, edits, tied: false };
    } else if (edits === best.edits) {
      if (candidate.kind === best.candidate.kind) best.tied = true;
      else if (candidate.kind === 'distribution') best = { candidate, edits, tied: false };
    }
  }
  return best && !best.tied ? best.candidate : undefined;
}

/** The edits from `a` to `b` when within the allowance for their lengths; undefined past it. */
function editsWithin(a: string, b: string, distance: Distance): number | undefined {
  const shorter = Math.min(a.length, b.length);
  const allowed = Math.min(shorter <= 4 ? 1 : 2, shorter - 1);
  // Lengths further apart than the allowance cannot be within it: no need to compute anything.
  if (Math.abs(a.length - b.length) > allowed) return undefined;
  const edits = isOneSwap(a, b) ? 1 : distance(a, b);
  return edits <= allowed ? edits : undefined;
}

/** True when `b` is `a` with exactly one pair of neighbouring characters swapped. */
function isOneSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let first = 0;
  while (first < a.length && a[first] === b[first]) first++;
  if (first >= a.length - 1) return false;
  return a[first] === b[first + 1] && a[first + 1] === b[first] && a.slice(first + 2) === b.slice(first + 2);
}
