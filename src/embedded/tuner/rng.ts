/**
 * Small seeded PRNG so every tuner decision is reproducible from (seed, iteration).
 *
 * sfc32 (Chris Doty-Humphrey's "Small Fast Counting" generator, PractRand-clean at 32 bits) seeded
 * through splitmix32, so nearby seeds and stream numbers give unrelated sequences. Nothing here is
 * cryptographic; it only has to be fast, well mixed and identical on every platform.
 */
export interface Rng {
  /** Uniform on [0, 1). */
  next(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Uniform integer on [0, n). */
  int(n: number): number;
}

/** splitmix32 finaliser: one well-mixed 32-bit word from any 32-bit input. */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Derive one 32-bit seed from a base seed and a stream number (e.g. the iteration). */
export function deriveSeed(seed: number, stream: number): number {
  return mix32(mix32(seed >>> 0) ^ Math.imul(stream + 1, 0x27d4eb2d));
}

export function createRng(seed: number, stream = 0): Rng {
  let a = deriveSeed(seed, stream);
  let b = mix32(a);
  let c = mix32(b);
  let d = mix32(c);
  const nextU32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard a few outputs: sfc32's first words still correlate with the seed words.
  for (let i = 0; i < 12; i++) nextU32();
  const next = (): number => nextU32() / 4294967296;
  let spare: number | null = null;
  return {
    next,
    normal(): number {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = next();
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    int(n: number): number {
      return Math.floor(next() * n);
    },
  };
}
