/**
 * np.percentile(values, q) with numpy's default method="linear" for 8-bit values: the sorted
 * values at floor((n - 1) * q / 100) and the next, interpolated as numpy's _lerp does (from the
 * upper value when the weight is at least one half). Port of Percentile.java.
 */
export function percentile(values, q) {
  const histogram = new Int32Array(256);
  for (let i = 0; i < values.length; i++) histogram[values[i]]++;
  const n = values.length;
  const valueAt = (index) => {
    let seen = 0;
    for (let value = 0; value < 256; value++) {
      seen += histogram[value];
      if (seen > index) return value;
    }
    throw new Error(`index ${index} past ${seen} values`);
  };
  const virtualIndex = (n - 1) * (q / 100);
  if (virtualIndex >= n - 1) return valueAt(n - 1);
  const previous = Math.floor(virtualIndex);
  const gamma = virtualIndex - previous;
  const a = valueAt(previous);
  const b = valueAt(previous + 1);
  const difference = b - a;
  return gamma >= 0.5 ? b - difference * (1 - gamma) : a + difference * gamma;
}
