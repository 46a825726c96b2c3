// Growing typed arrays: the columns of dense tables, the event queue's heap, the kernel's event slots.

/** A copy of typed array `a` with room for `n` elements, keeping its contents. */
export function grown<T extends Float64Array | Int32Array | Uint16Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
