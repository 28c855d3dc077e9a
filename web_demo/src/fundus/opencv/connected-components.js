/**
 * 8-connected components of a binary mask, numbered as cv2.connectedComponentsWithStats(mask,
 * connectivity=8) numbers them: OpenCV's block-based labelling (Spaghetti) scans 2x2 blocks row
 * pair by row pair, so label order follows the first 2x2 block of each component. Port of
 * ConnectedComponents.java (breadth-first flood fill, then renumbering).
 */

/**
 * Label `mask` (0/1 values, width * height, row-major) with raster-order labels.
 * @returns {{labels: Int32Array, count: number, firstBlock: Int32Array}}
 */
function floodFill(mask, width, height) {
  const labels = new Int32Array(mask.length);
  const queue = new Int32Array(mask.length);
  const firstBlock = [0];
  const blocksPerRow = (width + 1) >> 1;
  let count = 0;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start] !== 0) continue;
    count++;
    let block = Number.MAX_SAFE_INTEGER;
    let head = 0;
    let tail = 0;
    labels[start] = count;
    queue[tail++] = start;
    while (head < tail) {
      const p = queue[head++];
      const x = p % width;
      const y = (p - x) / width;
      block = Math.min(block, (y >> 1) * blocksPerRow + (x >> 1));
      const y0 = Math.max(0, y - 1);
      const y1 = Math.min(height - 1, y + 1);
      const x0 = Math.max(0, x - 1);
      const x1 = Math.min(width - 1, x + 1);
      for (let ny = y0; ny <= y1; ny++) {
        for (let nx = x0; nx <= x1; nx++) {
          const q = ny * width + nx;
          if (mask[q] && labels[q] === 0) {
            labels[q] = count;
            queue[tail++] = q;
          }
        }
      }
    }
    firstBlock.push(block);
  }
  return { labels, count, firstBlock: Int32Array.from(firstBlock) };
}

/** The number of components, background excluded (connectedComponents(...)[0] - 1). */
export function countComponents(mask, width, height) {
  return floodFill(mask, width, height).count;
}

/**
 * Components with OpenCV's numbering: labels (0 background), areas and inclusive bounds
 * [xmin, ymin, xmax, ymax] per label.
 */
export function labelComponents(mask, width, height) {
  const { labels, count, firstBlock } = floodFill(mask, width, height);
  const order = Array.from({ length: count }, (_, i) => i + 1).sort((a, b) => firstBlock[a] - firstBlock[b]);
  const newLabel = new Int32Array(count + 1);
  order.forEach((label, index) => { newLabel[label] = index + 1; });
  const areas = new Int32Array(count + 1);
  const bounds = Array.from({ length: count + 1 }, () => [Infinity, Infinity, -1, -1]);
  for (let p = 0; p < labels.length; p++) {
    const label = newLabel[labels[p]];
    labels[p] = label;
    if (label === 0) continue;
    const x = p % width;
    const y = (p - x) / width;
    areas[label]++;
    const box = bounds[label];
    if (x < box[0]) box[0] = x;
    if (y < box[1]) box[1] = y;
    if (x > box[2]) box[2] = x;
    if (y > box[3]) box[3] = y;
  }
  return { labels, count, areas, bounds };
}

/** The first label with the largest area (1 + argmax(stats[1:, CC_STAT_AREA])), 0 if none. */
export function largestLabel(areas) {
  let best = 0;
  for (let label = 1; label < areas.length; label++) {
    if (best === 0 || areas[label] > areas[best]) best = label;
  }
  return best;
}

/**
 * The number of 8-connected components of a large mask, without a label image: runs of each row
 * are joined to the runs of the row above that touch them (union-find over runs). Equal to
 * countComponents, in memory proportional to the number of runs, for masks of photographs.
 * `isSet(index)` tells whether pixel `index` (row-major) belongs to the mask.
 */
export function countComponentsByRuns(isSet, width, height) {
  const parent = [];
  const find = (a) => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  let previous = []; // [start, end, id] of the row above, end exclusive
  let roots = 0;
  for (let y = 0; y < height; y++) {
    const current = [];
    const base = y * width;
    let first = 0;
    let x = 0;
    while (x < width) {
      if (!isSet(base + x)) {
        x++;
        continue;
      }
      const start = x;
      while (x < width && isSet(base + x)) x++;
      const id = parent.length;
      parent.push(id);
      roots++;
      // Runs are sorted: skip those of the row above that end too far left, join those that
      // touch (8-connected: diagonal neighbours count), stop at the first that starts too far right.
      while (first < previous.length && previous[first][1] < start) first++;
      for (let k = first; k < previous.length && previous[k][0] <= x; k++) {
        const a = find(previous[k][2]);
        const b = find(id);
        if (a !== b) {
          parent[a] = b;
          roots--;
        }
      }
      current.push([start, x, id]);
    }
    previous = current;
  }
  return roots;
}
