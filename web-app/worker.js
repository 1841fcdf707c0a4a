// The validation worker: the engine (engine-wasm) runs here, off the page's
// thread. The page sends the File itself (a handle: the page never reads the
// bytes, so its thread does no work in proportion to the file) and gets
// progress messages and one compact report back: parallel arrays, never one
// object per cell. Cancelling is the page terminating this worker.
importScripts("./sheetlink-engine-wasm.js");
const ready = wasm_bindgen({ module_or_path: "./sheetlink-engine-wasm_bg.wasm" });

// Bytes per step: small enough for a smooth progress bar, large enough that
// posting progress costs nothing measurable.
const STEP_BYTES = 2 * 1024 * 1024;

let current = null;

onmessage = async (event) => {
  const wasm = await ready;
  const message = event.data;
  if (message.kind === "validate") {
    if (current) current.free();
    let validation;
    let started;
    try {
      // The app sends the File; the browser benchmark sends bytes it has
      // already read (transferred), to time the engine alone.
      const bytes = message.file
        ? new Uint8Array(await message.file.arrayBuffer())
        : new Uint8Array(message.bytes);
      started = performance.now();
      validation = new wasm_bindgen.SheetValidation(message.schema, bytes);
    } catch (error) {
      postMessage({ kind: "failed", message: String(error) });
      return;
    }
    current = validation;
    const total = validation.total();
    while (!validation.step(STEP_BYTES)) {
      postMessage({ kind: "progress", done: validation.done(), total });
    }
    const report = validation.report(message.lang);
    const millis = performance.now() - started;
    const rows = report.rows();
    const columns = report.columns();
    postMessage(
      {
        kind: "report",
        status: report.status(),
        evaluatees: report.evaluatees(),
        valid: report.valid(),
        with_errors: report.with_errors(),
        rows,
        columns,
        codes: report.codes(),
        messages: report.messages(),
        items: report.items(),
        keys: report.keys(),
        millis,
        wasm_memory_bytes: wasm.memory.buffer.byteLength,
      },
      [rows.buffer, columns.buffer],
    );
    report.free();
  } else if (message.kind === "error-file" && current) {
    const bytes = current.error_file(message.lang);
    postMessage({ kind: "error-file", bytes }, [bytes.buffer]);
  }
};
