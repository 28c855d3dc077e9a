/**
 * The model on LiteRT.js (@litertjs/core) and its XNNPACK WebAssembly CPU backend: the threaded
 * build when the page is cross-origin isolated (threads need SharedArrayBuffer) and the browser
 * has relaxed SIMD, else the single-threaded one. The build copies it into vendor/litertjs/.
 */
import * as litert from './vendor/litertjs/core.js';
import { nameOutputs } from './fundus/outputs.js';

/**
 * Load `modelUrl` and return {name, variant, threads, outputNames, run(input, shape)}; run
 * returns every output by name as a Float32Array; `loadingStep(words, {watched})` hears each step of loading.
 */
export async function createEngine(modelUrl, spec, threads, loadingStep = () => {}) {
  const relaxedSimd = await litert.supportsFeature('relaxedSimd');
  const threaded = threads > 1 && relaxedSimd && self.crossOriginIsolated === true;
  // The build LiteRT.js would pick from its wasm folder, named here so that the Emscripten glue,
  // loaded inside a worker, finds its .wasm next to it and not next to the worker's script.
  const name = threaded ? 'litert_wasm_threaded_internal' : relaxedSimd ? 'litert_wasm_internal' : 'litert_wasm_compat_internal';
  const script = new URL(`./vendor/litertjs/wasm/${name}.js`, import.meta.url).href;
  // The glue asks for its .wasm once its thread workers exist: from there the runtime downloads.
  const locateFile = (file) => {
    if (file.endsWith('.wasm')) loadingStep('fetching and compiling the runtime');
    return new URL(file, script).href;
  };
  self.Module = { locateFile, mainScriptUrlOrBlob: script };
  loadingStep(`starting LiteRT.js (${threaded ? `${threads} threads` : 'one thread'})`, { watched: true });
  await litert.loadLiteRt(script);
  loadingStep('fetching the model');
  const bytes = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
  loadingStep('compiling the model');
  const model = await litert.loadAndCompile(bytes, { accelerator: 'wasm', cpuOptions: { numThreads: threaded ? threads : 1 } });
  const outputNames = nameOutputs(model.getOutputDetails().map((detail) => ({ name: detail.name, shape: Array.from(detail.shape) })), spec);
  return {
    name: 'LiteRT.js',
    variant: threaded ? 'threaded, relaxed SIMD' : relaxedSimd ? 'single thread, relaxed SIMD' : 'single thread, SIMD',
    threads: threaded ? threads : 1,
    outputNames,
    async run(input, shape) {
      const tensor = new litert.Tensor(input, shape);
      try {
        const results = await model.run(tensor);
        const outputs = {};
        results.forEach((result, index) => {
          outputs[outputNames[index]] = result.toTypedArray().slice();
          result.delete();
        });
        return outputs;
      } finally {
        tensor.delete();
      }
    },
  };
}
