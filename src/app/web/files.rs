//! Files in the browser: the picker for Open…, presets dropped on the page, and downloads for
//! Save as… and the exports. Reading a file is asynchronous in the browser: what was read waits
//! in an inbox that the app empties at its next frame ([`BrowserFiles::take_picked`]).

use std::cell::RefCell;
use std::rc::Rc;

use eframe::wasm_bindgen::{JsCast as _, closure::Closure};
use wasm_bindgen_futures::JsFuture;

use crate::app::{BrowserFiles, PickedFile};

/// Largest preset the page reads (a bundled lesson is a few KB).
const MAX_PRESET_BYTES: f64 = 4.0 * 1024.0 * 1024.0;

thread_local! {
    /// Files read and not yet taken by the app.
    static INBOX: Rc<RefCell<Vec<PickedFile>>> = Rc::new(RefCell::new(Vec::new()));
}

/// The page's files, as the app sees them.
pub struct PageFiles {
    ctx: egui::Context,
}

impl PageFiles {
    /// Files for the app drawn in `ctx` (woken when a read finishes).
    pub fn new(ctx: &egui::Context) -> Self {
        Self { ctx: ctx.clone() }
    }
}

impl BrowserFiles for PageFiles {
    fn pick_preset(&mut self) {
        if let Err(error) = open_picker(&self.ctx) {
            deliver(("the file picker".to_owned(), Err(error)), &self.ctx);
        }
    }

    fn take_picked(&mut self) -> Vec<PickedFile> {
        INBOX.with(|inbox| std::mem::take(&mut *inbox.borrow_mut()))
    }

    fn download(&mut self, name: &str, bytes: &[u8]) -> Result<(), String> {
        download(name, bytes).map_err(|error| describe(&error))
    }
}

/// Reads the files dropped on the page this frame into the inbox.
pub fn read_dropped(ctx: &egui::Context) {
    for file in ctx.input(|input| input.raw.dropped_files.clone()) {
        let ctx = ctx.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let name = file.path().display().to_string();
            let read = file.bytes_async().await;
            deliver((name, read), &ctx);
        });
    }
}

fn deliver(file: PickedFile, ctx: &egui::Context) {
    INBOX.with(|inbox| inbox.borrow_mut().push(file));
    ctx.request_repaint();
}

/// Opens the browser's file picker for `.ron` files; the chosen file is read into the inbox.
fn open_picker(ctx: &egui::Context) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("no document")?;
    let input = document
        .create_element("input")
        .map_err(|error| describe(&error))?
        .dyn_into::<web_sys::HtmlInputElement>()
        .map_err(|_| "not an input element")?;
    input.set_type("file");
    input.set_accept(".ron,text/plain");
    let ctx = ctx.clone();
    let chosen = input.clone();
    let on_change = Closure::once_into_js(move || {
        let Some(file) = chosen.files().and_then(|files| files.get(0)) else {
            return;
        };
        wasm_bindgen_futures::spawn_local(async move {
            let name = file.name();
            let read = read_file(&file).await;
            deliver((name, read), &ctx);
        });
    });
    input.set_onchange(Some(on_change.unchecked_ref()));
    input.click();
    Ok(())
}

async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    if file.size() > MAX_PRESET_BYTES {
        return Err(format!(
            "the file is {:.0} KB, larger than a preset can be",
            file.size() / 1024.0
        ));
    }
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|error| describe(&error))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Offers `bytes` as a download named `name`: a Blob behind an object URL, clicked through a
/// temporary link.
fn download(name: &str, bytes: &[u8]) -> Result<(), eframe::wasm_bindgen::JsValue> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("no document")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime_type(name));
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let link = document
        .create_element("a")?
        .dyn_into::<web_sys::HtmlAnchorElement>()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    web_sys::Url::revoke_object_url(&url)?;
    Ok(())
}

fn mime_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("csv") => "text/csv",
        _ => "text/plain",
    }
}

fn describe(error: &eframe::wasm_bindgen::JsValue) -> String {
    error
        .as_string()
        .or_else(|| {
            error
                .dyn_ref::<js_sys::Error>()
                .map(|error| String::from(error.message()))
        })
        .unwrap_or_else(|| format!("{error:?}"))
}
