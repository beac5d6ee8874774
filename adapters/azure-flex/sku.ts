/**
 * Compute size from the server's SKU name (`Standard_D4ds_v5` → 4 vCores, 16 GiB). Flexible Server
 * offers Burstable (B), General Purpose (D) and Memory Optimized (E) sizes; memory per vCore follows
 * the series: https://learn.microsoft.com/en-us/azure/postgresql/flexible-server/concepts-compute
 */
const GIB = 1024 ** 3;

export interface SkuSize {
  cores: number;
  memoryBytes: number;
}

const SKU = /^(?:Standard_)?([BDE])(\d+)(?:a?d?s|ms)(?:_v(\d+))?$/i;

/** Memory GiB for sizes that do not follow the series rule. */
const E_EXCEPTIONS: Record<string, number> = {
  // Ev3 tops out at 432 GiB; Edsv4 at 504 GiB; Edsv5/Eadsv5 at 512 GiB; E96 is 672 GiB.
  '64:3': 432,
  '64:4': 504,
  '64:5': 512,
};

/** Parse a SKU name; null when it is not a Flexible Server compute size this agent knows. */
export function skuSize(name: string): SkuSize | null {
  const m = SKU.exec(name.trim());
  if (!m?.[1] || !m[2]) return null;
  const series = m[1].toUpperCase();
  const cores = Number(m[2]);
  const generation = m[3] ?? '';
  if (!Number.isInteger(cores) || cores < 1) return null;
  let gib: number;
  if (series === 'B') {
    // B1ms: 2 GiB; B2s: 4 GiB; B2ms and larger: 4 GiB per vCore.
    if (cores === 1) gib = 2;
    else if (cores === 2 && /^(?:Standard_)?B2s$/i.test(name.trim())) gib = 4;
    else gib = 4 * cores;
  } else if (series === 'D') {
    gib = 4 * cores;
  } else {
    gib = cores === 96 ? 672 : (E_EXCEPTIONS[`${cores}:${generation}`] ?? 8 * cores);
  }
  return { cores, memoryBytes: gib * GIB };
}
