//! The validation worker, seen from the page: the file goes to the worker as
//! a handle (the worker reads it), progress and one compact report come
//! back. The page's thread never reads or parses the file, so it keeps
//! answering clicks.

use js_sys::{Array, Reflect, Uint8Array, Uint32Array};
use sheetlink_engine::column_letter;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Worker};

use crate::i18n::Lang;

/// One error of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorLine {
    /// 1-based row (0: the file as a whole).
    pub row: u32,
    /// 1-based column (0: a whole row).
    pub column: u32,
    /// Excel's letter of the column (empty for a whole row).
    pub letter: String,
    /// Label of the item in that column (empty if none).
    pub item: String,
    /// Evaluatee key of the row (empty for header rows).
    pub key: String,
    /// Stable code.
    pub code: String,
    /// Message in the language asked for.
    pub message: String,
}

/// What the worker found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The engine's verdict.
    pub status: sheetlink_engine::evaluation::Status,
    /// Evaluatee rows read.
    pub evaluatees: u32,
    /// Rows without error.
    pub valid: u32,
    /// Rows with errors.
    pub with_errors: u32,
    /// Every error, in file order.
    pub errors: Vec<ErrorLine>,
    /// Time the worker spent validating.
    pub millis: f64,
}

/// A message from the worker.
#[derive(Debug)]
pub enum Event {
    /// Bytes done of total.
    Progress {
        /// Bytes read.
        done: f64,
        /// Bytes in the file.
        total: f64,
    },
    /// Finished.
    Report(Report),
    /// The error file asked for.
    ErrorFile(Vec<u8>),
    /// The worker could not start the validation.
    Failed(String),
}

/// A running (or finished) validation; dropping it stops the worker.
pub struct Job {
    worker: Worker,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(web_sys::ErrorEvent)>,
}

impl Job {
    /// Starts validating `file` against `schema_json`; the worker reads the
    /// file.
    pub fn start(
        schema_json: &str,
        file: &web_sys::File,
        lang: Lang,
        on_event: impl Fn(Event) + 'static,
    ) -> Result<Job, JsValue> {
        let worker = Worker::new("/worker.js")?;
        let on_event = std::rc::Rc::new(on_event);
        let on_message = Closure::<dyn Fn(MessageEvent)>::new({
            let on_event = on_event.clone();
            move |message: MessageEvent| on_event(decode(&message.data()))
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let on_error =
            Closure::<dyn Fn(web_sys::ErrorEvent)>::new(move |error: web_sys::ErrorEvent| {
                on_event(Event::Failed(error.message()));
            });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let request = js_sys::Object::new();
        Reflect::set(&request, &"kind".into(), &"validate".into())?;
        Reflect::set(&request, &"schema".into(), &schema_json.into())?;
        Reflect::set(&request, &"lang".into(), &lang.code().into())?;
        Reflect::set(&request, &"file".into(), file)?;
        worker.post_message(&request)?;
        Ok(Job {
            worker,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Asks for the error file; it arrives as [`Event::ErrorFile`].
    pub fn request_error_file(&self, lang: Lang) {
        let request = js_sys::Object::new();
        let _ = Reflect::set(&request, &"kind".into(), &"error-file".into());
        let _ = Reflect::set(&request, &"lang".into(), &lang.code().into());
        let _ = self.worker.post_message(&request);
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

fn field(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn number(value: &JsValue, name: &str) -> f64 {
    field(value, name).as_f64().unwrap_or(0.0)
}

fn strings(value: &JsValue, name: &str) -> Vec<String> {
    let array: Array = field(value, name).unchecked_into();
    array
        .iter()
        .map(|s| s.as_string().unwrap_or_default())
        .collect()
}

fn numbers(value: &JsValue, name: &str) -> Vec<u32> {
    Uint32Array::new(&field(value, name)).to_vec()
}

fn decode(data: &JsValue) -> Event {
    match field(data, "kind").as_string().as_deref() {
        Some("progress") => Event::Progress {
            done: number(data, "done"),
            total: number(data, "total"),
        },
        Some("report") => {
            let rows = numbers(data, "rows");
            let columns = numbers(data, "columns");
            let mut codes = strings(data, "codes").into_iter();
            let mut messages = strings(data, "messages").into_iter();
            let mut items = strings(data, "items").into_iter();
            let mut keys = strings(data, "keys").into_iter();
            let errors = rows
                .iter()
                .zip(&columns)
                .map(|(&row, &column)| ErrorLine {
                    row,
                    column,
                    letter: if column > 0 {
                        column_letter(column)
                    } else {
                        String::new()
                    },
                    item: items.next().unwrap_or_default(),
                    key: keys.next().unwrap_or_default(),
                    code: codes.next().unwrap_or_default(),
                    message: messages.next().unwrap_or_default(),
                })
                .collect();
            Event::Report(Report {
                // A status the worker never writes reads as a refusal.
                status: field(data, "status")
                    .as_string()
                    .and_then(|name| sheetlink_engine::evaluation::Status::parse(&name))
                    .unwrap_or(sheetlink_engine::evaluation::Status::Rejected),
                evaluatees: number(data, "evaluatees") as u32,
                valid: number(data, "valid") as u32,
                with_errors: number(data, "with_errors") as u32,
                errors,
                millis: number(data, "millis"),
            })
        }
        Some("error-file") => Event::ErrorFile(Uint8Array::new(&field(data, "bytes")).to_vec()),
        _ => Event::Failed(
            field(data, "message")
                .as_string()
                .unwrap_or_else(|| "the worker failed".to_owned()),
        ),
    }
}
