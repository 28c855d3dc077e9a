/**
 * The worker's messages. From the page: {type: 'init'}, {type: 'analyse', id, file},
 * {type: 'masks', id}, {type: 'bench', id, runs}. To the page: 'ready', 'progress', 'result',
 * 'problem' (a photograph edgeseg rejects, with edgeseg's message), 'masks', 'bench', and 'fatal'
 * (the model or runtime could not load).
 */
import { analysePhotograph, modelSpec, PhotographProblem, truncationProblem } from './analysis.js';
import { GRADING_OUTPUTS } from './fundus/grading.js';
import { RgbImage } from './fundus/rgb-image.js';

/** Photographs above this many pixels get a message instead of an analysis (memory on phones). */
const MAX_PIXELS = 100e6;
/** The longest side of the overlay shown on the page. */
const DISPLAY_SIDE = 1024;
const THUMBNAIL_SIDE = 192; // the page shows it at most 96x64 CSS px, sharp on a 2x or 3x screen

const state = { engine: null, metadata: null, spec: null, last: null };

export function start(early) {
  self.onmessage = (event) => handle(event.data);
  for (const event of early) handle(event.data);
}

async function handle(message) {
  try {
    if (message.type === 'init') await init();
    else if (message.type === 'analyse') await analyse(message);
    else if (message.type === 'masks') sendMasks(message.id);
    else if (message.type === 'bench') await bench(message);
  } catch (error) {
    if (error instanceof PhotographProblem) self.postMessage({ type: 'problem', id: message.id, message: error.message });
    else if (message.type === 'init') self.postMessage({ type: 'fatal', message: `the model could not be loaded: ${error?.message ?? error}` });
    else self.postMessage({ type: 'problem', id: message.id, message: `${message.file?.name ?? 'the photograph'}: the analysis failed (${error?.message ?? error})` });
  }
}

async function fetchJson(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

/**
 * Tell the page which step of loading runs, so that a load that stalls says where; `watched`
 * marks a step that downloads little, which the page restarts when it stalls.
 */
function loadingStep(step, { watched = false } = {}) {
  self.postMessage({ type: 'loading', step, watched });
}

async function init() {
  loadingStep('reading the build');
  const build = await fetchJson('build.json');
  const metadata = await fetchJson(build.model.metadata);
  const spec = modelSpec(metadata);
  loadingStep('loading the runtime');
  const { createEngine } = await import(`./${build.runtime.engine}`);
  const isolated = self.crossOriginIsolated === true;
  const threads = isolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  const loading = performance.now();
  const engine = await createEngine(new URL(build.model.file, self.location.href).href, spec, threads, loadingStep);
  Object.assign(state, { engine, metadata, spec });
  self.postMessage({
    type: 'ready',
    model: { file: build.model.file, version: build.version, load_ms: performance.now() - loading },
    runtime: { name: engine.name, version: build.runtime.version, threads: engine.threads, crossOriginIsolated: isolated, variant: engine.variant },
    metadata: {
      lesions: metadata.lesions,
      lesion_names: metadata.lesion_names ?? {},
      thresholds: metadata.thresholds,
      notice: metadata.notice,
      data_credit: metadata.data_credit,
      licence: metadata.licence,
      model: metadata.model,
      precision: metadata.precision,
      size: spec.preprocessing.size,
      graded: engine.outputNames.some((name) => GRADING_OUTPUTS.includes(name)),
    },
  });
}

/** The photograph's pixels as edgeseg reads them: no colour management, alpha dropped. */
async function decode(file) {
  const name = file.name || 'photograph';
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.length === 0) throw new PhotographProblem(`${name}: empty file`);
  const truncated = truncationProblem(bytes);
  if (truncated) throw new PhotographProblem(`${name}: ${truncated}; re-copy or re-download the file`);
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new PhotographProblem(`${name}: not a readable image (corrupt or unsupported format)`);
  }
  const { width, height } = bitmap;
  if (width * height > MAX_PIXELS) {
    bitmap.close();
    throw new PhotographProblem(`${name}: ${width}x${height} is ${(width * height / 1e6).toFixed(0)} megapixels, more than the ${MAX_PIXELS / 1e6} this page analyses; save a smaller copy (fundus cameras take 5-25 megapixels)`);
  }
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  const image = RgbImage.fromRgba(width, height, context.getImageData(0, 0, width, height).data);
  canvas.width = canvas.height = 1; // let the big canvas go
  return { name, image, bitmap };
}

/** The photograph at most 192 px a side, for the page to show beside its name (best effort). */
async function sendThumbnail(bitmap) {
  const scale = Math.min(1, THUMBNAIL_SIDE / Math.max(bitmap.width, bitmap.height));
  try {
    const thumbnail = await createImageBitmap(bitmap, { resizeWidth: Math.max(1, Math.round(bitmap.width * scale)),
      resizeHeight: Math.max(1, Math.round(bitmap.height * scale)), resizeQuality: 'medium' });
    self.postMessage({ type: 'thumbnail', bitmap: thumbnail }, [thumbnail]);
  } catch { /* a browser without resizing createImageBitmap: no thumbnail */ }
}

async function analyse({ id, file }) {
  if (!state.engine) throw new Error('the model is not loaded yet');
  const progress = (stage) => self.postMessage({ type: 'progress', id, stage, name: file?.name });
  progress('reading the photograph');
  const decodeStart = performance.now();
  const { name, image, bitmap } = await decode(file);
  const decode_ms = performance.now() - decodeStart;
  await sendThumbnail(bitmap);
  try {
    const result = await analysePhotograph(image, name, state.spec, state.metadata, state.engine, progress);
    progress('drawing the overlay');
    const display = await displayLayers(bitmap, result);
    state.last = { ...result, image: { width: image.width, height: image.height } };
    const transfer = [display.photo.buffer, ...Object.values(display.masks).map((mask) => mask.buffer)];
    self.postMessage({ type: 'result', id, summary: result.summary, verdict: result.verdict, findings: result.findings, timings: { decode_ms, ...result.timings }, display }, transfer);
  } finally {
    bitmap.close();
  }
}

/**
 * The photograph at display size and, per lesion, which display pixels cover at least one
 * lesion pixel of the photograph (so that a microaneurysm of a few pixels stays visible).
 */
async function displayLayers(bitmap, result) {
  const { width, height } = bitmap;
  const scale = Math.min(1, DISPLAY_SIDE / Math.max(width, height));
  const displayWidth = Math.max(1, Math.round(width * scale));
  const displayHeight = Math.max(1, Math.round(height * scale));
  const small = await createImageBitmap(bitmap, { resizeWidth: displayWidth, resizeHeight: displayHeight, resizeQuality: 'high', colorSpaceConversion: 'none' });
  const canvas = new OffscreenCanvas(displayWidth, displayHeight);
  const context = canvas.getContext('2d');
  context.drawImage(small, 0, 0);
  small.close();
  const photo = context.getImageData(0, 0, displayWidth, displayHeight).data;
  const { box } = result.geometry;
  const boxWidth = box.x1 - box.x0;
  const column = new Int32Array(boxWidth).map((_, x) => Math.min(displayWidth - 1, Math.floor(((box.x0 + x) * displayWidth) / width)));
  const masks = {};
  for (const [lesion, mask] of Object.entries(result.masks)) {
    const layer = new Uint8Array(displayWidth * displayHeight);
    const bytes = mask.bytes;
    for (let byte = 0; byte < bytes.length; byte++) {
      if (bytes[byte] === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if (!(bytes[byte] & (0x80 >> bit))) continue;
        const index = byte * 8 + bit;
        const x = index % boxWidth;
        const y = (index - x) / boxWidth + box.y0;
        const row = Math.min(displayHeight - 1, Math.floor((y * displayHeight) / height));
        layer[row * displayWidth + column[x]] = 1;
      }
    }
    masks[lesion] = layer;
  }
  return { width: displayWidth, height: displayHeight, photo, masks };
}

/** The last photograph's masks at full resolution, packed 8 pixels a byte, and its field-of-view mask (for tests). */
function sendMasks(id) {
  const last = state.last;
  if (!last) throw new Error('no photograph analysed yet');
  const { width, height } = last.image;
  const fov = new Uint8Array(Math.ceil((width * height) / 8));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (last.fieldOfView.inside(x, y)) fov[(y * width + x) >> 3] |= 0x80 >> ((y * width + x) & 7);
    }
  }
  const masks = Object.fromEntries(Object.entries(last.masks).map(([lesion, mask]) => [lesion, mask.bytes]));
  self.postMessage({ type: 'masks', id, width, height, box: last.geometry.box, masks, fov, fieldOfViewPixels: last.fieldOfView.pixels });
}

/** Time `runs` model runs on the last photograph's input, after two warm-up runs; also return that input. */
async function bench({ id, runs }) {
  if (!state.last) throw new Error('no photograph analysed yet');
  const { input } = state.last;
  const times = [];
  for (let i = 0; i < runs + 2; i++) {
    const started = performance.now();
    await state.engine.run(input, state.spec.inputShape);
    if (i >= 2) times.push(performance.now() - started);
  }
  self.postMessage({ type: 'bench', id, times, input: input.slice(), shape: state.spec.inputShape, layout: state.spec.layout });
}
