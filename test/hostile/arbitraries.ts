// Hostile numbers shared by the suite: doubles at every edge (as numbers, or as raw JSON
// literals JSON.stringify cannot write) and 32-bit-and-beyond integers.
import fc from 'fast-check';
import { Lit } from './harness.js';

/** Numbers at and around every edge, as numbers or as raw JSON literals. */
export const edgeNumber: fc.Arbitrary<number | Lit> = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: -0.5, max: 1.5, noNaN: true }) },
  { weight: 2, arbitrary: fc.double({ min: -128, max: 128, noNaN: true }) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<number | Lit>(
      0,
      1,
      0.5,
      -0,
      1e308,
      -1e308,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      -Number.MIN_VALUE,
      2.2250738585072014e-308,
      1 + Number.EPSILON,
      -Number.EPSILON,
      1.0000000001,
      -1e-12,
      64,
      48,
      64 + 1e-9,
      48 + 1e-9,
      63,
      Number.MAX_SAFE_INTEGER,
      2 ** 31,
      -(2 ** 31),
      new Lit('-0'),
      new Lit('-0.0'),
      new Lit('1e999'),
      new Lit('-1e999'),
      new Lit('1e-400'),
      new Lit('-1e-400'),
      new Lit('0e0'),
      new Lit('1E+2'),
      new Lit('123456789012345678901234567890'),
      new Lit('0.99999999999999999999999'),
      new Lit('1.00000000000000000001'),
    ),
  },
);

/** Integers: a small window (where the valid values are), the Int32 edges, and literals beyond or not integers at all. */
export function hostileInt(min: number, max: number): fc.Arbitrary<number | Lit> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min, max }) },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 2, arbitrary: fc.constantFrom(0, -1, 65, 1000, 2 ** 31 - 1, -(2 ** 31)) },
    { weight: 2, arbitrary: fc.constantFrom(new Lit('2147483648'), new Lit('-2147483649'), new Lit('1e10'), new Lit('1.5'), new Lit('-0'), new Lit('9007199254740993'), new Lit('1e999'), new Lit('1e0')) },
  );
}
