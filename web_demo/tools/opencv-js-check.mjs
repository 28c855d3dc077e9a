/**
 * The alternative to the port in src/fundus: an OpenCV build for the browser. Checks
 * @techstark/opencv-js against the golden OpenCV results of android_demo and times it against
 * the port on the two heavy steps of the preprocessing (a 12-megapixel photograph's square,
 * area-resized to 512 px, then CLAHE on Lab L). Not a dependency of the page; to run it:
 *
 *   npm pack @techstark/opencv-js@5.0.0-release.1 && tar xzf techstark-opencv-js-5.0.0-release.1.tgz
 *   node tools/opencv-js-check.mjs package/dist/opencv.js        (from web_demo/)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { PNG } from 'pngjs';
import { resize } from '../src/fundus/opencv/resize.js';
import { RgbImage } from '../src/fundus/rgb-image.js';
import { clahe } from '../src/fundus/transforms.js';
import { GOLDEN_DIR } from '../spec/golden-files.js';

const require = createRequire(import.meta.url);
let cv = require(resolve(process.argv[2]));
if (cv instanceof Promise) cv = await cv;
else if (!cv.Mat) await new Promise((done) => { cv.onRuntimeInitialized = done; });

const png = (file) => {
  const image = PNG.sync.read(readFileSync(`${GOLDEN_DIR}/opencv/${file}`));
  return RgbImage.fromRgba(image.width, image.height, image.data);
};
const toMat = (image) => {
  const mat = new cv.Mat(image.height, image.width, cv.CV_8UC3);
  mat.data.set(image.pixels);
  return mat;
};
const differing = (a, b) => a.reduce((count, value, i) => count + (value !== b[i] ? 1 : 0), 0);

const cases = JSON.parse(readFileSync(`${GOLDEN_DIR}/opencv/cases.json`, 'utf8'));
for (const spec of cases.resize) {
  const out = new cv.Mat();
  cv.resize(toMat(png(spec.input)), out, new cv.Size(spec.width, spec.height), 0, 0, spec.interpolation === 'area' ? cv.INTER_AREA : cv.INTER_LINEAR);
  console.log(`resize to ${spec.width}x${spec.height} (${spec.interpolation}): ${differing(out.data, png(spec.expected).pixels)} values differ from OpenCV's`);
}
const lab = new cv.Mat();
cv.cvtColor(toMat(png(cases.lab.input)), lab, cv.COLOR_RGB2Lab);
console.log(`RGB to Lab: ${differing(lab.data, png(cases.lab.rgb_to_lab).pixels)} values differ from OpenCV's`);

const side = 3453; // IDRiD's 4288x2848 photographs give a 3453 px square
const square = RgbImage.black(side, side);
for (let i = 0; i < square.pixels.length; i++) square.pixels[i] = (i * 2654435761) >>> 24;
let started = performance.now();
const ported = resize(square, 512, 512, 'area');
const portResize = performance.now() - started;
const mat = toMat(square);
const shrunk = new cv.Mat();
started = performance.now();
cv.resize(mat, shrunk, new cv.Size(512, 512), 0, 0, cv.INTER_AREA);
const cvResize = performance.now() - started;
started = performance.now();
clahe(ported);
const portClahe = performance.now() - started;
started = performance.now();
const labSquare = new cv.Mat();
cv.cvtColor(shrunk, labSquare, cv.COLOR_RGB2Lab);
const planes = new cv.MatVector();
cv.split(labSquare, planes);
const equalised = new cv.Mat();
new cv.CLAHE(2.0, new cv.Size(8, 8)).apply(planes.get(0), equalised);
planes.set(0, equalised);
cv.merge(planes, labSquare);
cv.cvtColor(labSquare, new cv.Mat(), cv.COLOR_Lab2RGB);
const cvClahe = performance.now() - started;
console.log(`area resize ${side} -> 512 px: port ${portResize.toFixed(0)} ms, opencv.js ${cvResize.toFixed(0)} ms, ${differing(ported.pixels, shrunk.data)} values differ`);
console.log(`CLAHE on Lab L at 512 px: port ${portClahe.toFixed(0)} ms, opencv.js ${cvClahe.toFixed(0)} ms`);
