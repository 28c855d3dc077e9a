/**
 * Drive the built page in Debian's Chromium (playwright-core) or Firefox ESR (puppeteer-core, over
 * WebDriver BiDi), as a phone would use it, and print what happened as JSON (the last line of
 * stdout). Used by tests/web and `edgeseg web measure`.
 *
 *   node tools/drive-page.mjs SCENARIO.json
 *
 * SCENARIO: {url, engine ("chromium", the default, or "firefox"), chromium, firefox (executables),
 * profile (a fresh user-data-dir; reuse it to reload from the service
 * worker's cache), device ("Pixel 7"), photos: [{path, masks?, screenshot?}], bench (runs),
 * bench_input (file for the model input), timeout_ms, settle_ms (wait after launch before opening the page),
 * stall_starts (Chromium: how many of the page's first workers hang), layouts ([[width, height], ...] viewports at which
 * the last result's layout is measured; layout_screenshots, a path prefix for a screenshot of each)}. For each photo: the page's state (done or
 * problem), its message, summary, verdict, timings and the longest the page's main thread took to
 * answer while the photo was analysed; with `masks`, the lesion and field-of-view masks at the
 * photograph's resolution go to MASKS.<name>.bits (packed, 8 pixels a byte) and MASKS.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const scenario = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const timeout = scenario.timeout_ms ?? 120000;
const engine = scenario.engine ?? 'chromium';

/**
 * For `stall_starts` (Chromium): the page's first `count` workers each announce a watched loading
 * step and then never answer, as a runtime start that hangs does.
 */
const stallStarts = (count) => `(() => {
  const Real = window.Worker;
  let stalled = 0;
  window.Worker = class extends Real {
    constructor(url, options) {
      if (stalled < ${count} && String(url).endsWith('worker.js')) {
        stalled += 1;
        const hang = "postMessage({ type: 'loading', step: 'a start the test made hang', watched: true });";
        super(URL.createObjectURL(new Blob([hang], { type: 'text/javascript' })));
      } else super(url, options);
    }
  };
})();`;

/**
 * The browser, behind the few calls this script needs, whichever library drives it: Chromium
 * through playwright-core (CDP), Firefox through puppeteer-core (WebDriver BiDi; playwright-core
 * only drives its own patched Firefox).
 */
async function launchChromium() {
  const { chromium, devices } = await import('playwright-core');
  // Without the background-networking flags Chromium's own connections are refused on offline machines.
  const flags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'];
  const context = await chromium.launchPersistentContext(scenario.profile, {
    ...devices[scenario.device ?? 'Pixel 7'],
    executablePath: scenario.chromium ?? '/usr/bin/chromium',
    headless: true,
    args: flags,
    serviceWorkers: 'allow',
  });
  if (scenario.stall_starts) await context.addInitScript(stallStarts(Number(scenario.stall_starts)));
  const page = context.pages()[0] ?? await context.newPage();
  context.on('request', (request) => report.requests.push(request.url()));
  context.on('requestfailed', (request) => report.console.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  listen(page);
  return {
    ...pageCalls(page),
    setFiles: (selector, path) => page.setInputFiles(selector, path),
    chooserOpens: (ms) => page.waitForEvent('filechooser', { timeout: ms }).then(() => true, () => false),
    waitFor: (fn, arg) => page.waitForFunction(fn, arg, { timeout }),
    installabilityErrors: async () => (await (await context.newCDPSession(page)).send('Page.getInstallabilityErrors')).installabilityErrors,
    setViewport: (width, height) => page.setViewportSize({ width, height }),
    screenshot: (path) => page.screenshot({ path, fullPage: true, scale: 'css' }),
    finish: () => context.close(),
  };
}

async function launchFirefox() {
  const puppeteer = (await import('puppeteer-core')).default;
  // A Pixel 7's CSS viewport; Firefox emulates neither touch nor a mobile user agent over BiDi.
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: scenario.firefox ?? '/usr/bin/firefox-esr',
    headless: true,
    userDataDir: scenario.profile,
    defaultViewport: { width: 412, height: 915, deviceScaleFactor: 2.625 },
    extraPrefsFirefox: { 'network.proxy.type': 0, 'app.update.enabled': false, 'browser.shell.checkDefaultBrowser': false },
  });
  const page = (await browser.pages())[0] ?? await browser.newPage();
  page.on('request', (request) => report.requests.push(request.url()));
  page.on('requestfailed', (request) => report.console.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  listen(page);
  return {
    ...pageCalls(page),
    setFiles: async (selector, path) => (await page.$(selector)).uploadFile(path),
    chooserOpens: (ms) => page.waitForFileChooser({ timeout: ms }).then(() => true, () => false),
    waitFor: (fn, arg) => page.waitForFunction(fn, { timeout, polling: 100 }, arg),
    installabilityErrors: async () => null, // a Chromium check (CDP)
    setViewport: (width, height) => page.setViewport({ width, height, deviceScaleFactor: 2.625 }),
    screenshot: (path) => page.screenshot({ path, fullPage: true }),
    finish: () => browser.close(),
  };
}

/** What playwright's and puppeteer's pages do alike. */
function pageCalls(page) {
  return {
    goto: (url) => page.goto(url, { timeout }),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    pressSpace: () => page.keyboard.press('Space'),
  };
}

/** The page's console errors and warnings, and its uncaught errors, into the report. */
function listen(page) {
  page.on('console', (message) => {
    if (['error', 'warning', 'warn'].includes(message.type())) report.console.push(`${message.type()}: ${message.text().slice(0, 500)}`);
  });
  page.on('pageerror', (error) => report.page_errors.push(String(error).slice(0, 500)));
}

/**
 * WebKit: Debian's WebKitGTK MiniBrowser through its WebDriver (WebKitWebDriver, under xvfb-run:
 * MiniBrowser has no headless mode) and selenium-webdriver. Classic WebDriver has no request or
 * console events: the requests are the page's resource timing entries, the uncaught errors those
 * a listener added once the page has loaded records. An automation session's storage is
 * ephemeral, so a second visit never finds the first one's service worker cache.
 */
async function launchWebKit() {
  const { spawn } = await import('node:child_process');
  const { createServer } = await import('node:net');
  const { Builder, By, Key } = await import('selenium-webdriver');
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const service = spawn('xvfb-run', ['-a', scenario.webkit ?? 'WebKitWebDriver', `--port=${port}`], { stdio: 'ignore', detached: true });
  const server = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${server}/status`)).ok) break;
    } catch { /* not listening yet */ }
    if (i > 150) throw new Error(`WebKitWebDriver did not answer on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const driver = await new Builder().usingServer(server).withCapabilities({
    browserName: 'MiniBrowser',
    'webkitgtk:browserOptions': { binary: scenario.minibrowser ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', args: ['--automation'] },
  }).build();
  await driver.manage().setTimeouts({ script: timeout, pageLoad: timeout });
  // A Pixel 7's CSS size for the window; MiniBrowser emulates neither touch nor a phone.
  await driver.manage().window().setRect({ width: 412, height: 915 });
  const evaluate = async (fn, arg) => {
    const value = await driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
      Promise.resolve().then(() => (${fn})(arguments[0]))
        .then((value) => done({ value: value === undefined ? null : JSON.parse(JSON.stringify(value)) }), (error) => done({ error: String(error) }));`, arg ?? null);
    if (value.error) throw new Error(value.error);
    return value.value;
  };
  return {
    goto: async (url) => {
      await driver.get(url);
      await driver.executeScript(`window.edgesegDriveErrors = [];
        window.addEventListener('error', (event) => window.edgesegDriveErrors.push(String(event.message)));
        window.addEventListener('unhandledrejection', (event) => window.edgesegDriveErrors.push(String(event.reason)));`);
    },
    evaluate,
    waitFor: (fn, arg) => driver.wait(() => evaluate(fn, arg), timeout),
    setFiles: async (selector, path) => (await driver.findElement(By.css(selector))).sendKeys(path),
    chooserOpens: async () => null, // not observable over classic WebDriver
    pressSpace: () => driver.actions().sendKeys(Key.SPACE).perform(),
    installabilityErrors: async () => null,
    setViewport: (width, height) => driver.manage().window().setRect({ width, height }),
    screenshot: async (path) => writeFileSync(path, Buffer.from(await driver.takeScreenshot(), 'base64')),
    finish: async () => {
      try {
        const seen = await evaluate(() => ({ resources: performance.getEntriesByType('resource').map((entry) => entry.name),
          errors: window.edgesegDriveErrors ?? [] }));
        report.requests.push(scenario.url, ...seen.resources);
        report.page_errors.push(...seen.errors);
      } catch { /* the page is gone */ }
      await driver.quit().catch(() => {});
      try { process.kill(-service.pid); } catch { /* gone */ }
    },
  };
}


const report = { engine, requests: [], console: [], page_errors: [], photos: [] };
const browser = await { chromium: launchChromium, firefox: launchFirefox, webkit: launchWebKit }[engine]();
try {
  const started = Date.now();
  if (scenario.settle_ms) await new Promise((resolve) => setTimeout(resolve, scenario.settle_ms));
  await browser.goto(scenario.url);
  await browser.waitFor(() => window.edgesegPage !== undefined, null);
  report.ready = await browser.evaluate(async () => {
    const ready = await window.edgesegPage.ready;
    // The service worker has cached the page once it is active and controls the page.
    const worker = navigator.serviceWorker ? await Promise.race([navigator.serviceWorker.ready,
      new Promise((resolve) => setTimeout(resolve, 30000))]) : null;
    for (let i = 0; i < 300 && worker && !navigator.serviceWorker.controller; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    return { ...ready, state: document.body.dataset.state, error: document.getElementById('error').textContent,
      controlled: Boolean(navigator.serviceWorker?.controller), crossOriginIsolated: window.crossOriginIsolated };
  });
  report.ready.load_ms = Date.now() - started;
  // What keeps Chromium from offering to install the page as an app (manifest, icons, service worker).
  report.installability_errors = await browser.installabilityErrors();

  for (const photo of scenario.photos ?? []) {
    const before = Number(await browser.evaluate(() => document.body.dataset.analyses ?? 0));
    const began = Date.now();
    await browser.setFiles('#photo', photo.path);
    // While it is analysed, nothing may start a second analysis: not the keyboard (Tab to the
    // file input, Space), not a click. Checked on the first photograph (a second's wait for a chooser).
    let busyInput = null;
    if (report.photos.length === 0) {
      busyInput = await browser.evaluate(() => {
        const input = document.getElementById('photo');
        input.focus();
        return { disabled: input.disabled, focused: document.activeElement === input, state: document.body.dataset.state };
      });
      const chooser = browser.chooserOpens(1000);
      await browser.pressSpace();
      busyInput.file_chooser_opened = await chooser;
    }
    // Ping the main thread while the worker analyses: a frozen page would answer late.
    let slowest = 0;
    let furthest = 0; // the progress bar's furthest step seen
    let finished = false;
    while (!finished) {
      const ping = Date.now();
      const seen = await browser.evaluate((count) => ({ finished: Number(document.body.dataset.analyses ?? 0) > count
        || document.body.dataset.state === 'fatal', progress: document.getElementById('progress')?.value ?? 0 }), before);
      finished = seen.finished;
      furthest = Math.max(furthest, seen.progress);
      slowest = Math.max(slowest, Date.now() - ping);
      if (Date.now() - began > timeout) throw new Error(`${photo.path}: no result after ${timeout} ms`);
      if (!finished) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const outcome = await browser.evaluate(() => ({
      state: document.body.dataset.state,
      message: document.getElementById('error').textContent,
      chosen: { name: document.getElementById('chosen-name')?.textContent, shown: !document.getElementById('chosen')?.hidden,
        thumbnail: document.getElementById('thumbnail')?.hidden ? null
          : [document.getElementById('thumbnail').width, document.getElementById('thumbnail').height] },
      // Through JSON, so that every driver returns the same plain data (puppeteer's BiDi serialisation differs).
      result: document.body.dataset.state === 'done' ? JSON.parse(JSON.stringify(window.edgesegPage.result)) : null,
    }));
    const entry = { path: photo.path, ...outcome, seconds: (Date.now() - began) / 1000, slowest_main_thread_ms: slowest, busy_input: busyInput,
      progress_steps: furthest,
      analyses: Number(await browser.evaluate(() => document.body.dataset.analyses ?? 0)) - before };
    if (photo.screenshot) await browser.screenshot(photo.screenshot);
    if (photo.masks && outcome.state === 'done') entry.masks = await saveMasks(browser, photo.masks);
    report.photos.push(entry);
  }

  // The page as it stands (the last photograph's result) at each viewport [width, height]: how far
  // it scrolls sideways, and where the overlay lies against the screen.
  if (scenario.layouts) {
    report.layouts = [];
    for (const [width, height] of scenario.layouts) {
      await browser.setViewport(width, height);
      await browser.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      report.layouts.push(await browser.evaluate(([width, height]) => {
        const root = document.scrollingElement;
        const box = document.getElementById('overlay').getBoundingClientRect();
        const widest = [...document.querySelectorAll('body *')].filter((node) => node.getBoundingClientRect().right > root.clientWidth + 0.5)
          .map((node) => `${node.tagName.toLowerCase()}${node.id ? '#' + node.id : ''}${node.className ? '.' + node.className : ''}`).slice(0, 5);
        return { width, height, client_width: root.clientWidth, scroll_width: root.scrollWidth, overflowing: widest,
          overlay: { width: box.width, height: box.height }, state: document.body.dataset.state };
      }, [width, height]));
      if (scenario.layout_screenshots) await browser.screenshot(`${scenario.layout_screenshots}-${width}x${height}.png`);
    }
  }

  if (scenario.bench) {
    const bench = await browser.evaluate(async (runs) => {
      const result = await window.edgesegPage.bench(runs);
      const bytes = new Uint8Array(result.input.buffer);
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { times: result.times, shape: result.shape, layout: result.layout, input: btoa(binary) };
    }, scenario.bench);
    if (scenario.bench_input) writeFileSync(scenario.bench_input, Buffer.from(bench.input, 'base64'));
    delete bench.input;
    report.bench = bench;
  }
} catch (error) {
  report.error = String(error?.message ?? error);
  try {
    report.at_error = await browser.evaluate(() => ({ state: document.body.dataset.state,
      status: document.getElementById('status').textContent, error: document.getElementById('error').textContent }));
  } catch { /* the page is gone */ }
} finally {
  const closing = Date.now();
  await browser.finish();
  report.close_ms = Date.now() - closing;
}
console.log(JSON.stringify(report));
process.exitCode = report.error ? 1 : 0;

/** The last photograph's masks from the page, written as packed bits plus a JSON description. */
async function saveMasks(browser, prefix) {
  const masks = await browser.evaluate(async () => {
    const result = await window.edgesegPage.masks();
    const encode = (bytes) => {
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(binary);
    };
    return {
      width: result.width, height: result.height, box: result.box, field_of_view_pixels: result.fieldOfViewPixels,
      fov: encode(result.fov), lesions: Object.fromEntries(Object.entries(result.masks).map(([lesion, bytes]) => [lesion, encode(bytes)])),
    };
  });
  writeFileSync(`${prefix}.fov.bits`, Buffer.from(masks.fov, 'base64'));
  for (const [lesion, data] of Object.entries(masks.lesions)) writeFileSync(`${prefix}.${lesion}.bits`, Buffer.from(data, 'base64'));
  const description = { width: masks.width, height: masks.height, box: masks.box, field_of_view_pixels: masks.field_of_view_pixels,
    lesions: Object.keys(masks.lesions) };
  writeFileSync(`${prefix}.json`, JSON.stringify(description));
  return description;
}
