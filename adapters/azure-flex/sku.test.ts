import { describe, expect, it } from 'vitest';
import { skuSize } from './sku.js';

const GIB = 1024 ** 3;

describe('skuSize', () => {
  it.each([
    ['Standard_B1ms', 1, 2],
    ['Standard_B2s', 2, 4],
    ['Standard_B2ms', 2, 8],
    ['Standard_B4ms', 4, 16],
    ['Standard_B20ms', 20, 80],
    ['Standard_D2s_v3', 2, 8],
    ['Standard_D4ds_v5', 4, 16],
    ['Standard_D16ads_v5', 16, 64],
    ['Standard_E2ds_v4', 2, 16],
    ['Standard_E20ads_v5', 20, 160],
    ['Standard_E64s_v3', 64, 432],
    ['Standard_E64ds_v4', 64, 504],
    ['Standard_E64ds_v5', 64, 512],
    ['Standard_E96ds_v5', 96, 672],
  ])('%s → %i vCores, %i GiB', (name, cores, gib) => {
    expect(skuSize(name)).toEqual({ cores, memoryBytes: gib * GIB });
  });

  it.each(['', 'Standard_F4s_v2', 'GP_Gen5_4', 'Standard_D0s_v3', 'Standard_Dxs'])('refuses %j', (name) => {
    expect(skuSize(name)).toBeNull();
  });
});
