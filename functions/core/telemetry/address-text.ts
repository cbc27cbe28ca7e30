/**
 * RFC 5952 text of an IPv6 address given as its eight 16-bit groups: lower-case hex without leading zeros,
 * the longest run (at least two) of zero groups compressed to "::" (the first such run on a tie). Shared by
 * the agent (addresses read from /proc/net) and the network analysis (ranges turned back into text).
 */
export function ipv6Text(groups: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
