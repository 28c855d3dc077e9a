/**
 * The model on onnxruntime-web's WebAssembly backend (SIMD; threads when the page is
 * cross-origin isolated, which SharedArrayBuffer needs). The build copies the runtime into
 * vendor/onnxruntime-web/.
 */
import * as ort from './vendor/onnxruntime-web/ort.wasm.min.mjs';

/**
 * Load `modelUrl` and return {name, version, threads, outputNames, run(input, shape)}; run
 * returns every output by name as a Float32Array.
 */
export async function createEngine(modelUrl, spec, threads) {
  ort.env.wasm.wasmPaths = new URL('./vendor/onnxruntime-web/', import.meta.url).href;
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(modelUrl, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const inputName = session.inputNames.includes(spec.inputName) ? spec.inputName : session.inputNames[0];
  return {
    name: 'onnxruntime-web',
    version: ort.env.versions?.web ?? '?',
    threads,
    outputNames: session.outputNames,
    async run(input, shape) {
      const results = await session.run({ [inputName]: new ort.Tensor('float32', input, shape) });
      const outputs = {};
      for (const [name, tensor] of Object.entries(results)) {
        outputs[name] = tensor.data;
        tensor.dispose?.();
      }
      return outputs;
    },
  };
}
