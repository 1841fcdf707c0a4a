// Runs both contenders over the same bytes and leaves the figures in
// `window.benchResult` for the driver (e2e/src/bin/browser-bench.rs).
const RUNS = 5;

// `asFile`: hand the worker a Blob to read, as the app does with a File (the
// read is timed too); otherwise the bytes, already read (transferred), which
// times the engine alone.
function validateInWorker(worker, schemaText, bytes, asFile) {
  return new Promise((resolve, reject) => {
    const copy = bytes.slice(0); // the worker takes the buffer it is given
    const file = asFile ? new Blob([copy]) : null;
    const started = performance.now();
    worker.onmessage = (event) => {
      if (event.data.kind === "report") {
        resolve({ millis: performance.now() - started, report: event.data });
      } else if (event.data.kind === "failed") {
        reject(new Error(event.data.message));
      }
    };
    if (asFile) {
      worker.postMessage({ kind: "validate", schema: schemaText, lang: "en", file });
    } else {
      worker.postMessage({ kind: "validate", schema: schemaText, lang: "en", bytes: copy }, [copy]);
    }
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function run() {
  const state = document.getElementById("state");
  const [schemaText, bytes] = await Promise.all([
    fetch("/bench/schema.json").then((r) => r.text()),
    fetch("/bench/file.csv").then((r) => r.arrayBuffer()),
  ]);
  const schema = JSON.parse(schemaText);

  state.textContent = "wasm…";
  const worker = new Worker("/worker.js");
  await validateInWorker(worker, schemaText, bytes, false); // warm-up: compile and instantiate
  const wasm = [];
  const fromFile = [];
  let wasmReport;
  for (let i = 0; i < RUNS; i++) {
    const { millis, report } = await validateInWorker(worker, schemaText, bytes, false);
    wasm.push(millis);
    wasmReport = report;
    fromFile.push((await validateInWorker(worker, schemaText, bytes, true)).millis);
  }
  worker.terminate();

  state.textContent = "papa…";
  const heapBefore = performance.memory ? performance.memory.usedJSHeapSize : 0;
  validateWithPapa(schema, new Uint8Array(bytes)); // warm-up
  const papa = [];
  let papaHeap = 0;
  let papaResult;
  for (let i = 0; i < RUNS; i++) {
    papaResult = null;
    const started = performance.now();
    papaResult = validateWithPapa(schema, new Uint8Array(bytes));
    papa.push(performance.now() - started);
    if (performance.memory) papaHeap = Math.max(papaHeap, performance.memory.usedJSHeapSize - heapBefore);
  }

  window.benchResult = {
    bytes: bytes.byteLength,
    wasm: { runs: wasm, median: median(wasm), best: Math.min(...wasm), evaluatees: wasmReport.evaluatees,
            valid: wasmReport.valid, errors: wasmReport.rows.length, memoryBytes: wasmReport.wasm_memory_bytes,
            fromFile: { runs: fromFile, median: median(fromFile) } },
    papa: { runs: papa, median: median(papa), best: Math.min(...papa), evaluatees: papaResult.evaluatees,
            valid: papaResult.valid, errors: papaResult.errors.length, heapBytes: papaHeap },
  };
  state.textContent = "done";
}

run().catch((error) => {
  window.benchResult = { error: String(error && error.stack || error) };
});
