/** $1,234.56: hand-rolled (no locale, no regex) because it runs on the risk path for every check. */
export function usd(x: number): string {
  const fixed = Math.abs(x).toFixed(2);
  const dot = fixed.length - 3;
  let int = '';
  for (let i = 0; i < dot; i++) {
    if (i > 0 && (dot - i) % 3 === 0) int += ',';
    int += fixed[i];
  }
  return `${x < 0 ? '-' : ''}$${int}${fixed.slice(dot)}`;
}

export function num(x: number, digits = 2): string {
  return x.toFixed(digits);
}

export function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}
