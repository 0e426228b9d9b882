// Python's float floor division (`a // b`), reproduced step by step from CPython's
// float_floor_div: it is computed from fmod and snapped to the nearest integer, which can
// differ from Math.floor(a / b) when a / b rounds up to an integer. The reference backtester
// sizes positions with `int(cash * f // unit_cost)`, so whole-unit sizes must use this.
export function pyFloorDiv(a: number, b: number): number {
  if (b === 0) throw new RangeError('pyFloorDiv: division by zero');
  let mod = a % b; // JS % on doubles is C fmod: exact
  let div = (a - mod) / b;
  if (mod !== 0) {
    if (b < 0 !== mod < 0) {
      mod += b;
      div -= 1;
    }
  }
  if (div !== 0) {
    let floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
    return floordiv;
  }
  return 0;
}
