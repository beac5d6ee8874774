/**
 * Uniform random search: the yardstick every tuner must beat (Bergstra & Bengio, JMLR 2012, show
 * it is a strong baseline when few dimensions matter, which is typical of database knobs).
 */
import { uniformPoint, type Optimiser } from './optimiser.js';

export const randomSearch: Optimiser = {
  name: 'random',
  suggest(_observations, dims, rng) {
    return { x: uniformPoint(dims, rng), reason: 'random search: uniform point' };
  },
};
