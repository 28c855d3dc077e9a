/**
 * The anatomy-aware findings, a port of edgeseg/screening (anatomy.py, findings.py, words.py) and
 * of square_field in edgeseg/predict/verdict.py: the optic disc and fovea located on the model's
 * square, haemorrhages and microaneurysms per quadrant around the fovea, and the hard exudates
 * near it. Every step is box sums over integral images (exact in doubles), divisions and
 * comparisons of squared distances, as in Python, so the page finds the same positions and
 * counts (spec/findings-golden.test.js holds them to Python's goldens).
 */
import { labelComponents } from './opencv/connected-components.js';
import { f } from './opencv/rounding.js';

/** edgeseg/screening/anatomy.py's constants (the golden file carries Python's values). */
export const ANATOMY = {
  discDiameterShare: 0.153, discInner: 0.75, discOuter: 2.5,
  foveaDistance: 2.5, foveaDrop: 0.3, foveaSearch: 0.5, minFieldShare: 0.9,
};
/** edgeseg/screening/findings.py's quadrant names, counted lesions and exudate radii. */
export const QUADRANTS = ['superotemporal', 'superonasal', 'inferonasal', 'inferotemporal'];
export const QUADRANT_LESIONS = ['HE', 'MA'];
export const NEAR_DD = [1.0, 2.0];

/** Python's round(): the nearest integer, halves to even. */
function roundHalfEven(value) {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

const odd = (length) => Math.max(1, roundHalfEven(length) | 1);

/** cv2.integral: (H + 1) x (W + 1) sums, row-major. */
function integral(values, width, height) {
  const sums = new Float64Array((width + 1) * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += values[y * width + x];
      sums[(y + 1) * (width + 1) + x + 1] = sums[y * (width + 1) + x + 1] + row;
    }
  }
  return sums;
}

/** anatomy._box_sums: the sum over the side x side box centred on each pixel, zero outside. */
function boxSums(values, width, height, side) {
  const table = integral(values, width, height);
  const half = Math.floor(side / 2);
  const out = new Float64Array(width * height);
  const stride = width + 1;
  for (let y = 0; y < height; y++) {
    const y0 = Math.min(Math.max(y - half, 0), height);
    const y1 = Math.min(Math.max(y + half + 1, 0), height);
    for (let x = 0; x < width; x++) {
      const x0 = Math.min(Math.max(x - half, 0), width);
      const x1 = Math.min(Math.max(x + half + 1, 0), width);
      out[y * width + x] = table[y1 * stride + x1] - table[y0 * stride + x1] - table[y1 * stride + x0] + table[y0 * stride + x0];
    }
  }
  return out;
}

/** anatomy.field_width: the width of the field of view (a 0/1 square mask), 0 when empty. */
export function fieldColumns(field, size) {
  let first = -1;
  let last = -1;
  for (let x = 0; x < size; x++) {
    for (let y = 0; y < size; y++) {
      if (field[y * size + x]) {
        if (first < 0) first = x;
        last = x;
        break;
      }
    }
  }
  return { first, last, width: first < 0 ? 0 : last - first + 1 };
}

/**
 * anatomy.locate_anatomy: the disc centre, the disc diameter (DD) and the fovea in square pixels,
 * from the model's square (RgbImage, after CLAHE) and its field of view; null when it is empty.
 */
export function locateAnatomy(square, field) {
  const size = square.width;
  const { first, last, width } = fieldColumns(field, size);
  if (width === 0) return null;
  const diameter = ANATOMY.discDiameterShare * width;
  const n = size * size;
  const brightness = new Float64Array(n);
  const inside = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    brightness[i] = ((square.pixels[3 * i] + square.pixels[3 * i + 1]) / 2) * field[i];
    inside[i] = field[i];
  }
  const inner = odd(ANATOMY.discInner * diameter);
  const outer = odd(ANATOMY.discOuter * diameter);
  const innerSum = boxSums(brightness, size, size, inner);
  const innerCount = boxSums(inside, size, size, inner);
  const outerSum = boxSums(brightness, size, size, outer);
  const outerCount = boxSums(inside, size, size, outer);
  let best = -1;
  let bestScore = -Infinity;
  for (let i = 0; i < n; i++) {
    if (innerCount[i] < ANATOMY.minFieldShare * inner * inner) continue;
    const score = innerSum[i] / Math.max(innerCount[i], 1) - (outerSum[i] - innerSum[i]) / Math.max(outerCount[i] - innerCount[i], 1);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  if (best < 0) best = 0; // every score -inf: numpy's argmax gives the first pixel
  const discX = best % size;
  const discY = (best - discX) / size;
  const centreX = (first + last) / 2;
  const temporal = centreX >= discX ? 1.0 : -1.0;
  const expectedX = discX + temporal * ANATOMY.foveaDistance * diameter;
  const expectedY = discY + ANATOMY.foveaDrop * diameter;
  const window = odd(diameter);
  const windowSum = boxSums(brightness, size, size, window);
  const windowCount = boxSums(inside, size, size, window);
  const radius = ANATOMY.foveaSearch * diameter;
  let fovea = -1;
  let darkest = Infinity;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      const dx = x - expectedX;
      const dy = y - expectedY;
      if (!(dx * dx + dy * dy <= radius * radius && windowCount[i] >= window * window)) continue;
      const darkness = windowSum[i] / Math.max(windowCount[i], 1);
      if (darkness < darkest) {
        darkest = darkness;
        fovea = i;
      }
    }
  }
  const foveaX = fovea < 0 ? expectedX : fovea % size;
  const foveaY = fovea < 0 ? expectedY : (fovea - (fovea % size)) / size;
  return { discX, discY, discDiameter: diameter, foveaX, foveaY };
}

/** findings.quadrant_of: the index into QUADRANTS of a point around the fovea. */
export function quadrantOf(anatomy, x, y) {
  let nx = anatomy.discX - anatomy.foveaX;
  let ny = anatomy.discY - anatomy.foveaY;
  if (nx === 0 && ny === 0) nx = 1.0;
  let sx = ny;
  let sy = -nx;
  if (sy > 0) {
    sx = -sx;
    sy = -sy;
  }
  const dx = x - anatomy.foveaX;
  const dy = y - anatomy.foveaY;
  const nasal = dx * nx + dy * ny >= 0;
  const superior = dx * sx + dy * sy >= 0;
  return superior ? (nasal ? 1 : 0) : (nasal ? 2 : 3);
}

/**
 * findings.find_findings: per lesion the components, the area share of the field of view and the
 * largest probability on the square; per quadrant counts; the nearest exudate from the fovea (DD)
 * and the exudate area within NEAR_DD. `maps` are Float32Arrays of size * size.
 */
export function findFindings(maps, lesions, thresholds, field, anatomy, size) {
  let fieldPixels = 0;
  for (let i = 0; i < field.length; i++) fieldPixels += field[i];
  const counts = {};
  const masks = {};
  lesions.forEach((lesion, index) => {
    const cut = f(thresholds[lesion]);
    const map = maps[index];
    const mask = new Uint8Array(size * size);
    let area = 0;
    let highest = -Infinity;
    for (let i = 0; i < map.length; i++) {
      if (map[i] > highest) highest = map[i];
      if (map[i] >= cut) {
        mask[i] = 1;
        area++;
      }
    }
    const { labels, count, areas } = labelComponents(mask, size, size);
    const sumX = new Float64Array(count + 1);
    const sumY = new Float64Array(count + 1);
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] === 0) continue;
      sumX[labels[i]] += i % size;
      sumY[labels[i]] += Math.floor(i / size);
    }
    const centroids = [];
    for (let label = 1; label <= count; label++) centroids.push([sumX[label] / areas[label], sumY[label] / areas[label]]);
    counts[lesion] = { components: count, areaShare: fieldPixels ? area / fieldPixels : 0, maxProbability: highest, centroids };
    masks[lesion] = mask;
  });
  const perQuadrant = {};
  let exudateDistance = null;
  const within = Object.fromEntries(NEAR_DD.map((dd) => [dd, 0]));
  if (anatomy) {
    for (const lesion of QUADRANT_LESIONS) {
      if (!counts[lesion]) continue;
      const tally = Object.fromEntries(QUADRANTS.map((name) => [name, 0]));
      for (const [x, y] of counts[lesion].centroids) tally[QUADRANTS[quadrantOf(anatomy, x, y)]]++;
      perQuadrant[lesion] = tally;
    }
    const exudates = masks.EX;
    if (exudates && exudates.includes(1)) {
      const near = NEAR_DD.map(() => 0);
      let nearest = Infinity;
      for (let i = 0; i < exudates.length; i++) {
        if (!exudates[i]) continue;
        const dx = (i % size) - anatomy.foveaX;
        const dy = Math.floor(i / size) - anatomy.foveaY;
        const distance = Math.sqrt(dx * dx + dy * dy) / anatomy.discDiameter;
        if (distance < nearest) nearest = distance;
        NEAR_DD.forEach((dd, k) => { if (distance <= dd) near[k]++; });
      }
      exudateDistance = nearest;
      NEAR_DD.forEach((dd, k) => { within[dd] = near[k] / fieldPixels; });
    }
  }
  return { lesions: counts, anatomy, perQuadrant, exudateDistance, exudatesWithin: within };
}

/** Findings.quadrants_with. */
export function quadrantsWith(findings, lesion) {
  return Object.values(findings.perQuadrant[lesion] ?? {}).filter((count) => count > 0).length;
}

const plural = (count, noun) => `${count} ${count === 1 ? noun : `${noun}s`}`;

/** words.finding_words: one phrase per finding; counts from the photograph's summary when given. */
export function findingWords(findings, summary = null) {
  const components = (lesion) => (summary ? Number(summary[lesion].components) : findings.lesions[lesion].components);
  const words = [];
  for (const [lesion, noun] of [['HE', 'haemorrhage'], ['MA', 'microaneurysm']]) {
    if (!findings.lesions[lesion]) continue;
    const count = components(lesion);
    let phrase = plural(count, noun);
    if (count && findings.perQuadrant[lesion]) phrase += ` in ${plural(quadrantsWith(findings, lesion), 'quadrant')}`;
    words.push(phrase);
  }
  if (findings.lesions.EX) {
    if (findings.lesions.EX.components === 0) words.push('no hard exudates');
    else if (findings.exudateDistance === null) words.push(`${plural(components('EX'), 'hard exudate')} (fovea not located)`);
    else {
      const where = findings.exudateDistance <= 1.0 ? 'within 1 disc diameter of' : `${findings.exudateDistance.toFixed(1)} disc diameters from`;
      words.push(`hard exudates ${where} the fovea`);
    }
  }
  if (findings.lesions.SE && components('SE')) words.push(plural(components('SE'), 'soft exudate'));
  if (!findings.anatomy) words.push('optic disc and fovea not located');
  return words;
}

/**
 * verdict.square_field: at each square pixel the field of view at the photograph pixel nearest its
 * centre, looked up in the work copy's mask as cv2.INTER_NEAREST would resize it. `geometry` is
 * the page's square lookup ({box, padTop, padLeft, side, imageWidth, imageHeight, work}).
 */
export function squareField(geometry, size, padSquare = true) {
  const { box, padTop, padLeft, side, imageWidth, imageHeight } = geometry;
  const { small, mask, scale } = geometry.work;
  const toImage = (centre, start, pad, extent) => (padSquare
    ? start - pad + (centre + 0.5) * (side / size) - 0.5
    : start + ((centre + 0.5) * extent) / size - 0.5);
  const nearest = (destination, source) => {
    const inverse = 1 / (destination / source);
    return (d) => Math.min(Math.floor(d * inverse), source - 1);
  };
  const column = nearest(imageWidth, small.width);
  const row = nearest(imageHeight, small.height);
  const xs = new Int32Array(size);
  const ys = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    xs[i] = Math.floor(toImage(i, box.x0, padLeft, box.x1 - box.x0) + 0.5);
    ys[i] = Math.floor(toImage(i, box.y0, padTop, box.y1 - box.y0) + 0.5);
  }
  const field = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    if (ys[y] < 0 || ys[y] >= imageHeight) continue;
    const sy = scale < 1 ? row(ys[y]) : ys[y];
    for (let x = 0; x < size; x++) {
      if (xs[x] < 0 || xs[x] >= imageWidth) continue;
      const sx = scale < 1 ? column(xs[x]) : xs[x];
      field[y * size + x] = mask[sy * small.width + sx] ? 1 : 0;
    }
  }
  return field;
}

/** Preprocessing.point_to_image: a point of the model's square on the photograph's pixels. */
export function pointToImage(x, y, geometry, size, padSquare = true) {
  const { box, padTop, padLeft, side } = geometry;
  if (!padSquare) {
    return [box.x0 + ((x + 0.5) * (box.x1 - box.x0)) / size - 0.5, box.y0 + ((y + 0.5) * (box.y1 - box.y0)) / size - 0.5];
  }
  const scale = side / size;
  return [box.x0 - padLeft + (x + 0.5) * scale - 0.5, box.y0 - padTop + (y + 0.5) * scale - 0.5];
}

/**
 * verdict.findings_record: the findings for the page's summary: the disc (centre and diameter)
 * and the fovea in the photograph's pixels, the per-quadrant counts, the exudates near the fovea
 * and the words.
 */
export function findingsRecord(findings, geometry, size, summary, padSquare = true) {
  const record = { words: findingWords(findings, summary), optic_disc: null, fovea: null };
  const { anatomy } = findings;
  if (anatomy) {
    const [discX, discY] = pointToImage(anatomy.discX, anatomy.discY, geometry, size, padSquare);
    const [foveaX, foveaY] = pointToImage(anatomy.foveaX, anatomy.foveaY, geometry, size, padSquare);
    const scale = (padSquare ? geometry.side : geometry.box.x1 - geometry.box.x0) / size;
    record.optic_disc = { x: discX, y: discY, diameter_px: anatomy.discDiameter * scale };
    record.fovea = { x: foveaX, y: foveaY };
  }
  record.per_quadrant = findings.perQuadrant;
  record.exudate_distance_dd = findings.exudateDistance;
  record.exudates_within_dd = Object.fromEntries(NEAR_DD.map((dd) => [String(dd), findings.exudatesWithin[dd]]));
  return record;
}
