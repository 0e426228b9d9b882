/** Ends every exhaustive switch: a new union member becomes a compile error here. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
