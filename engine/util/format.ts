/** $1,234.56: hand-rolled because toLocaleString is slow on the engine's hot path. */
export function usd(x: number): string {
  const sign = x < 0 ? '-' : '';
  const [int = '0', frac = '00'] = Math.abs(x).toFixed(2).split('.');
  return `${sign}$${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

export function num(x: number, digits = 2): string {
  return x.toFixed(digits);
}

export function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}
