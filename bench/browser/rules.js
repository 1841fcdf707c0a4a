// The evaluation-sheet rules written in plain JavaScript over Papa Parse: the
// baseline the WebAssembly engine is measured against. It checks what the
// engine checks for an ordinary file (rows 1-4, keys known and unique, each
// cell by item type and bounds) and builds the same kind of result (counts,
// located errors, the valid rows' values). Benchmark only; not the product.
function validateWithPapa(schema, bytes) {
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  const parsed = Papa.parse(text, { skipEmptyLines: true });
  const rows = parsed.data;
  const errors = [];
  const fail = (row, column, code) => errors.push({ row, column, code });
  if (rows.length < 4) return { status: "rejected", errors: [{ row: 0, column: 0, code: "header.incomplete" }] };
  const row1 = rows[0];
  if (row1[0].replace(/^\uFEFF/, "") !== "version:1") fail(1, 1, "header.cell");
  if (row1[1] !== "period:" + schema.period) fail(1, 2, "header.wrong_sheet");
  if (row1[2] !== "sheet:" + schema.sheet) fail(1, 3, "header.wrong_sheet");
  const byId = new Map(schema.items.map((item) => [item.id, item]));
  const columns = rows[1].slice(2).map((id, i) => {
    const item = byId.get(id);
    if (!item) fail(2, i + 3, "header.unknown_item");
    return item;
  });
  if (errors.length) return { status: "rejected", errors };
  const rules = columns.map((item) => {
    switch (item.type) {
      case "number": {
        const min = item.min ?? -Infinity, max = item.max ?? Infinity;
        return (v) => {
          if (v === "") return null;
          if (!/^-?\d{1,13}(\.\d{1,2})?$/.test(v)) return "number.invalid";
          const n = Number(v);
          return n < min ? "number.below_min" : n > max ? "number.above_max" : null;
        };
      }
      case "text": {
        const max = item.max_len ?? Infinity;
        return (v) => ([...v].length > max ? "text.too_long" : null);
      }
      case "dropdown": {
        const options = new Set(item.options);
        return (v) => (v === "" || options.has(v) ? null : "dropdown.unknown");
      }
      default:
        return (v) => (v === "" || v === "0" || v === "1" ? null : "checkbox.invalid");
    }
  });
  const known = new Set(schema.evaluatees || []);
  const seen = new Set();
  const width = columns.length + 2;
  let valid = 0, withErrors = 0;
  const batch = [];
  for (let r = 4; r < rows.length; r++) {
    const cells = rows[r];
    const row = r + 1;
    const before = errors.length;
    if (cells.length !== width) fail(row, 0, "row.field_count");
    const key = cells[1];
    if (!key) fail(row, 2, "key.missing");
    else if (seen.has(key)) fail(row, 2, "key.duplicate");
    else if (schema.evaluatees && !known.has(key)) fail(row, 2, "key.unknown");
    seen.add(key);
    const values = [];
    for (let c = 0; c < rules.length; c++) {
      const value = cells[c + 2] ?? "";
      const problem = rules[c](value);
      if (problem) fail(row, c + 3, problem);
      else values.push(value);
    }
    if (errors.length > before) withErrors++;
    else {
      valid++;
      batch.push(key, values);
    }
  }
  return { status: withErrors ? "errors" : "ok", evaluatees: valid + withErrors, valid, withErrors, errors, batch };
}
