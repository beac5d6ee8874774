/**
 * Kubernetes resource quantities (`500m`, `2`, `4Gi`, `1G`, `123456789n`, `1e3`) as numbers.
 * https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */

const SUFFIX: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
};

/** The quantity's value in base units (cores, bytes); null when absent or malformed. */
export function parseQuantity(text: string | undefined | null): number | null {
  if (text === undefined || text === null) return null;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/.exec(
    text.trim(),
  );
  if (!m) return null;
  const base = Number(m[1]);
  if (m[2]) return Number(`${m[1]}${m[2]}`);
  const factor = SUFFIX[m[3] ?? ''];
  return factor === undefined || !Number.isFinite(base) ? null : base * factor;
}

/** CPU quantity in millicores, rounded (metrics-server reports nanocores). */
export function cpuMillicores(text: string | undefined | null): number | null {
  const v = parseQuantity(text);
  return v === null ? null : Math.round(v * 1000);
}
