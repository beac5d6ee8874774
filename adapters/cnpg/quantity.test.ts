import { describe, expect, it } from 'vitest';
import { cpuMillicores, parseQuantity } from './quantity.js';

describe('parseQuantity', () => {
  it('reads binary and decimal suffixes', () => {
    expect(parseQuantity('4Gi')).toBe(4 * 1024 ** 3);
    expect(parseQuantity('524288Ki')).toBe(512 * 1024 ** 2);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('128974848')).toBe(128974848);
    expect(parseQuantity('1.5')).toBe(1.5);
    expect(parseQuantity('1e3')).toBe(1000);
  });

  it('reads CPU forms', () => {
    expect(cpuMillicores('2')).toBe(2000);
    expect(cpuMillicores('500m')).toBe(500);
    expect(cpuMillicores('250000000n')).toBe(250);
    expect(cpuMillicores('1500u')).toBe(2);
  });

  it('returns null for absent or malformed values', () => {
    expect(parseQuantity(undefined)).toBeNull();
    expect(parseQuantity('')).toBeNull();
    expect(parseQuantity('4GiB')).toBeNull();
    expect(parseQuantity('abc')).toBeNull();
  });
});
