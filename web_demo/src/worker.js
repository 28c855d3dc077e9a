/**
 * The page's worker: decoding, the analysis and the model run here, so the page never freezes.
 * A classic worker, because LiteRT.js loads its WebAssembly glue with importScripts (which
 * module workers lack); everything else is ES modules loaded with import().
 */
const early = [];
self.onmessage = (event) => early.push(event);
import('./worker-main.js')
  .then((main) => main.start(early))
  .catch((error) => self.postMessage({ type: 'fatal', message: `the page's code did not load (${error?.message ?? error})` }));
