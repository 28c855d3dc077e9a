/**
 * The page: pick or take a photograph, hand it to the worker, show the overlay with its legend,
 * the per-lesion summary `edgeseg predict` writes and, for a model with a grading head, the
 * DR/DME verdict. Nothing leaves the device: the worker analyses the photograph in this browser.
 * `window.edgesegPage` lets tests drive the page and read its results.
 */

import { labelComponents } from './fundus/opencv/connected-components.js';

/** Overlay colours (RGB) of edgeseg/predict/overlay.py: LESION_COLOURS. */
const LESION_COLOURS = { MA: [0, 255, 255], HE: [60, 255, 60], EX: [40, 90, 255], SE: [255, 0, 255], OD: [255, 255, 255] };
const SPARE_COLOURS = [[255, 200, 0], [255, 120, 120], [120, 200, 255]];

const $ = (id) => document.getElementById(id);
const ui = {
  input: $('photo'), status: $('status'), error: $('error'), result: $('result'), canvas: $('overlay'),
  legend: $('legend'), verdict: $('verdict'), summary: document.querySelector('#summary tbody'), timing: $('timing'),
  notice: $('notice'), modelInfo: $('model-info'), credit: $('credit'),
  chosen: $('chosen'), thumbnail: $('thumbnail'), chosenName: $('chosen-name'), progress: $('progress'),
};
/** Lesions of a few pixels, ringed on the overlay so that they can be seen on a phone's screen. */
const RINGED_LESIONS = new Set(['MA']);

let worker = null;
let model = null;
let requests = 0;
const waiting = new Map();
const shown = new Set();
let current = null;
let readyResolve;
const ready = new Promise((resolve) => { readyResolve = resolve; });

function setState(state, status = '') {
  document.body.dataset.state = state;
  ui.status.textContent = status;
}

function showError(message) {
  ui.error.textContent = message;
  ui.error.hidden = !message;
}

/**
 * A runtime start that stalls is retried in a fresh worker: Firefox ESR 153 was seen to hang in
 * about 1 start of 10 while LiteRT.js created its thread workers, before any download. The
 * worker marks such steps `watched` (they fetch at most the runtime's 80 kB glue script); one
 * that has not moved on after STALL_MS ends the worker, and after STARTS tries the page says so.
 */
const STALL_MS = 30000;
const STARTS = 3;
let starts = 0;
let stallTimer = null;

function watchLoading(step) {
  clearTimeout(stallTimer);
  stallTimer = step?.watched ? setTimeout(() => restartStalled(step.step), STALL_MS) : null;
}

function restartStalled(step) {
  worker.terminate();
  if (starts >= STARTS) {
    receive({ type: 'fatal', message: `the model did not load: ${STARTS} tries stalled while ${step}; reload the page` });
    return;
  }
  console.warn(`the model's loading stalled while ${step}; starting again (try ${starts + 1} of ${STARTS})`);
  startWorker();
}

function startWorker() {
  if (model === null) starts += 1;
  worker = new Worker('worker.js');
  worker.onmessage = (event) => receive(event.data);
  // A crash (out of memory on a huge photograph) must not leave the page waiting forever.
  worker.onerror = (event) => {
    event.preventDefault?.();
    for (const [, request] of waiting) request.reject(new Error('the analysis stopped (the browser ran out of memory?); try a smaller photograph'));
    waiting.clear();
    worker.terminate();
    startWorker();
  };
  worker.postMessage({ type: 'init' });
}

function ask(message, transfer = []) {
  const id = ++requests;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker.postMessage({ ...message, id }, transfer);
  });
}

function receive(message) {
  if (message.type === 'ready') {
    watchLoading(null);
    model = { ...message, starts };
    describeModel(message);
    setState('ready', 'Ready: choose a photograph.');
    readyResolve(model);
  } else if (message.type === 'fatal') {
    watchLoading(null);
    setState('fatal', '');
    showError(message.message);
    readyResolve(null);
  } else if (message.type === 'loading') {
    ui.status.textContent = `Loading the model: ${message.step}…`;
    watchLoading(message);
  } else if (message.type === 'progress') {
    ui.status.textContent = `Analysing ${message.name ?? 'the photograph'}: ${message.stage}…`;
    ui.progress.value = Math.min(ui.progress.max, ui.progress.value + 1);
  } else if (message.type === 'thumbnail') {
    showThumbnail(message.bitmap);
  } else {
    const request = waiting.get(message.id);
    if (!request) return;
    waiting.delete(message.id);
    if (message.type === 'problem') request.reject(new Error(message.message));
    else request.resolve(message);
  }
}

function describeModel({ metadata, runtime, model: file }) {
  if (metadata.notice) ui.notice.textContent = metadata.notice;
  ui.modelInfo.textContent = `Model ${metadata.model} (${metadata.precision}, ${metadata.size} px input, ${file.file.split('/').pop()}) on ${runtime.name} ${runtime.version}, `
    + `${runtime.threads} thread${runtime.threads > 1 ? 's' : ''}${runtime.crossOriginIsolated ? '' : ' (the page is not cross-origin isolated)'}.`
    + ` Lesion thresholds: ${Object.entries(metadata.thresholds ?? {}).map(([lesion, value]) => `${lesion} ${Number(value).toFixed(3)}`).join(', ')}.`;
  ui.credit.textContent = [metadata.data_credit, metadata.licence].filter(Boolean).join(' · ');
}

function colourOf(lesion, index) {
  return LESION_COLOURS[lesion] ?? SPARE_COLOURS[index % SPARE_COLOURS.length];
}

/** Tint each shown lesion's pixels as edgeseg predict's overlay does: 0.45 * pixel + 0.55 * colour, truncated. */
function drawOverlay() {
  const { display } = current;
  const pixels = new Uint8ClampedArray(display.photo);
  model.metadata.lesions.forEach((lesion, index) => {
    if (!shown.has(lesion)) return;
    const mask = display.masks[lesion];
    const colour = colourOf(lesion, index);
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      for (let c = 0; c < 3; c++) pixels[i * 4 + c] = Math.trunc(0.45 * pixels[i * 4 + c] + 0.55 * colour[c]);
    }
  });
  ui.canvas.width = display.width;
  ui.canvas.height = display.height;
  const context = ui.canvas.getContext('2d');
  context.putImageData(new ImageData(pixels, display.width, display.height), 0, 0);
  drawRings(context, display);
  drawAnatomy(context, current.findings, display.width / current.summary.size[0]);
}

/** The chosen photograph, small, beside its name (the worker sends it once the photograph is decoded). */
function showThumbnail(bitmap) {
  ui.thumbnail.width = bitmap.width;
  ui.thumbnail.height = bitmap.height;
  ui.thumbnail.getContext('2d').drawImage(bitmap, 0, 0);
  bitmap.close();
  ui.thumbnail.hidden = false;
}

/**
 * A ring around each component of the ringed lesions (microaneurysms: a few pixels each, invisible
 * at a phone's size when only tinted), in the lesion's colour, about 1.5 % of the overlay's width across.
 */
function drawRings(context, display) {
  const radius = Math.max(4, display.width / 70);
  context.lineWidth = Math.max(1, display.width / 500);
  model.metadata.lesions.forEach((lesion, index) => {
    if (!RINGED_LESIONS.has(lesion) || !shown.has(lesion)) return;
    const { count, bounds } = labelComponents(display.masks[lesion], display.width, display.height);
    context.strokeStyle = `rgb(${colourOf(lesion, index).join(',')})`;
    for (let label = 1; label <= count; label++) {
      const [x0, y0, x1, y1] = bounds[label];
      context.beginPath();
      context.arc((x0 + x1 + 1) / 2, (y0 + y1 + 1) / 2, Math.max(radius, (x1 - x0) / 2 + radius / 2), 0, 2 * Math.PI);
      context.stroke();
    }
  });
}

/** The optic disc, the fovea and the circle one disc diameter around it, as `edgeseg predict` draws them. */
function drawAnatomy(context, findings, scale) {
  const disc = findings?.optic_disc;
  const fovea = findings?.fovea;
  if (!disc || !fovea) return;
  const diameter = disc.diameter_px * scale;
  context.strokeStyle = 'rgb(255, 255, 160)';
  context.lineWidth = Math.max(1, context.canvas.width / 800);
  context.beginPath();
  context.arc(disc.x * scale, disc.y * scale, diameter / 2, 0, 2 * Math.PI);
  context.stroke();
  context.beginPath();
  context.arc(fovea.x * scale, fovea.y * scale, diameter, 0, 2 * Math.PI);
  context.stroke();
  const arm = diameter / 6;
  context.beginPath();
  context.moveTo(fovea.x * scale - arm, fovea.y * scale);
  context.lineTo(fovea.x * scale + arm, fovea.y * scale);
  context.moveTo(fovea.x * scale, fovea.y * scale - arm);
  context.lineTo(fovea.x * scale, fovea.y * scale + arm);
  context.stroke();
}

function cell(row, text, className = '') {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function showResult(result) {
  current = result;
  const { lesions, field_of_view_pixels: fov } = result.summary;
  ui.legend.replaceChildren();
  ui.summary.replaceChildren();
  model.metadata.lesions.forEach((lesion, index) => {
    const entry = lesions[lesion];
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('aria-pressed', String(shown.has(lesion)));
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = `rgb(${colourOf(lesion, index).join(',')})`;
    button.append(swatch, `${lesion} ${entry.name}`);
    button.addEventListener('click', () => {
      if (shown.has(lesion)) shown.delete(lesion); else shown.add(lesion);
      button.setAttribute('aria-pressed', String(shown.has(lesion)));
      drawOverlay();
    });
    item.appendChild(button);
    ui.legend.appendChild(item);

    const row = document.createElement('tr');
    const name = document.createElement('span');
    name.className = 'lesion-name';
    name.textContent = ` ${entry.name}`;
    cell(row, lesion).append(name); // on a phone, the legend above names each code
    cell(row, entry.area_pixels.toLocaleString('en'), 'number');
    cell(row, entry.area_share_of_fov === null ? '–' : `${(entry.area_share_of_fov * 100).toFixed(3)}\u00a0%`, 'number');
    cell(row, String(entry.components), 'number');
    cell(row, entry.threshold.toFixed(3), 'number threshold');
    ui.summary.appendChild(row);
  });
  showVerdict(result.verdict, result.findings?.words ?? []);
  const t = result.timings;
  ui.timing.textContent = `${result.summary.image}: ${result.summary.size.join('x')} photograph, field of view ${fov.toLocaleString('en')} px. `
    + `Decoding ${t.decode_ms.toFixed(0)} ms, preprocessing ${t.preprocessing_ms.toFixed(0)} ms, model ${t.inference_ms.toFixed(0)} ms, `
    + `lesion maps ${t.postprocessing_ms.toFixed(0)} ms.`;
  drawOverlay();
  ui.result.hidden = false;
}

function showVerdict(verdict, words) {
  ui.verdict.replaceChildren();
  ui.verdict.hidden = !verdict && words.length === 0;
  const line = (text, className = '') => {
    const p = document.createElement('p');
    p.textContent = text;
    if (className) p.className = className;
    ui.verdict.appendChild(p);
  };
  if (verdict?.referable) {
    const { referable, probability, byGrades } = verdict.referable;
    const why = byGrades ? '; the grades are referable' : '';
    line(`${referable ? 'Refer' : 'No referable retinopathy'} (probability of referable disease ${(probability * 100).toFixed(0)} %${why})`, referable ? 'referable' : 'not-referable');
  }
  if (verdict?.dr) line(`Diabetic retinopathy: grade ${verdict.dr.grade}, ${verdict.dr.label} (${(verdict.dr.probability * 100).toFixed(0)} %)`);
  if (verdict?.dme) line(`Macular oedema: grade ${verdict.dme.grade}, ${verdict.dme.label} (${(verdict.dme.probability * 100).toFixed(0)} %)`);
  if (words.length) line(`Findings: ${words.join('; ')}`, 'findings');
  if (verdict) line('Research use only: not a diagnosis.', 'notice');
}

let analysing = false;

/** Analyse one photograph; one at a time: the file input is disabled (no click, no keyboard) until it ends. */
async function analyse(file) {
  if (analysing) return null;
  analysing = true;
  ui.input.disabled = true;
  await ready;
  if (!model) throw new Error('the model is not loaded');
  showError('');
  ui.result.hidden = true;
  ui.chosenName.textContent = file.name || 'the photograph';
  ui.thumbnail.hidden = true;
  ui.chosen.hidden = false;
  ui.progress.value = 0;
  ui.progress.hidden = false;
  setState('busy', `Analysing ${file.name || 'the photograph'}…`);
  try {
    const result = await ask({ type: 'analyse', file });
    if (shown.size === 0) model.metadata.lesions.forEach((lesion) => shown.add(lesion));
    showResult(result);
    setState('done', 'Done. Choose another photograph to analyse it.');
    return result;
  } catch (error) {
    setState('problem', 'Choose another photograph.');
    showError(error.message);
    throw error;
  } finally {
    analysing = false;
    ui.progress.hidden = true;
    ui.input.disabled = false;
    document.body.dataset.analyses = String(Number(document.body.dataset.analyses ?? 0) + 1);
  }
}

ui.input.addEventListener('change', () => {
  const file = ui.input.files?.[0];
  ui.input.value = '';
  if (file) analyse(file).catch(() => {});
});

// Offline use: registered once the page has loaded its model, so that the service worker's
// caching finds the files in the browser's HTTP cache (a 304 each) instead of downloading them again.
if ('serviceWorker' in navigator && window.isSecureContext) {
  ready.then(() => navigator.serviceWorker.register('sw.js'))
    .catch((error) => console.warn('offline use unavailable:', error.message));
}

startWorker();

/** For tests and for people measuring: drive the page from the console or a browser driver. */
window.edgesegPage = {
  ready,
  analyse,
  get result() { return current && { summary: current.summary, verdict: current.verdict, findings: current.findings, timings: current.timings }; },
  masks: () => ask({ type: 'masks' }),
  bench: (runs = 10) => ask({ type: 'bench', runs }),
};
