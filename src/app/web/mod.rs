//! The browser's entry point: the same app as on the desktop, started by eframe's web runner
//! (glow on WebGL2) on the page's canvas, with the page around it.
//!
//! Only this module knows wasm-bindgen and web-sys. It
//! - installs a panic hook that shows "optiviz stopped: … — reload the page" on the page (a panic
//!   aborts on wasm32: there is no recovery as on the desktop, but no frozen canvas either);
//! - opens the lesson the URL fragment names (`#lesson=zigzag&play`, or a scenario link
//!   `#s=1.…`), as the desktop opens its PRESET argument;
//! - gives the app the browser's files ([`files`]): Open… is the browser's picker, a `.ron`
//!   dropped on the page opens, Save as… and the exports download;
//! - mirrors the lesson, the first run's step and status and the last error into the page title
//!   and a small DOM element ([`page`]), for people and for the browser test;
//! - runs workload (a) of `optiviz bench` for a `#bench` link ([`bench`]).
//!
//! The solver runs in the frame loop (there are no threads), and the autosave lives in eframe's
//! storage: both are the app's own choices on wasm32, not this module's.

mod bench;
mod files;
mod page;

use eframe::wasm_bindgen::JsCast as _;

use crate::app::OptivizApp;

/// The id of the page's canvas (assets/index.html).
const CANVAS_ID: &str = "optiviz_canvas";

/// Starts the app on the page: called by the binary's `main` on wasm32.
pub fn start() {
    page::install_panic_hook();
    // Log to the browser console (warnings and errors: the app's own messages are on screen).
    let _ = eframe::WebLogger::init(log::LevelFilter::Warn);
    wasm_bindgen_futures::spawn_local(async {
        if let Err(error) = run().await {
            page::show_fatal(&format!("optiviz could not start: {error}"));
        }
    });
}

async fn run() -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let canvas = document
        .get_element_by_id(CANVAS_ID)
        .ok_or_else(|| format!("the page has no element #{CANVAS_ID}"))?
        .dyn_into::<web_sys::HtmlCanvasElement>()
        .map_err(|_| format!("#{CANVAS_ID} is not a canvas"))?;
    let fragment = window.location().hash().unwrap_or_default();
    if fragment == "#bench" {
        bench::run_and_show().await;
    }
    let preset = (!fragment.is_empty() && fragment != "#bench").then(|| fragment.clone());
    let page_url = window.location().href().ok().map(|href| {
        href.split('#')
            .next()
            .map(str::to_owned)
            .unwrap_or_default()
    });
    let started = eframe::WebRunner::new()
        .start(
            canvas,
            eframe::WebOptions::default(),
            Box::new(move |cc| {
                let mut app = OptivizApp::new(cc, preset.as_deref(), true);
                app.state.browser_files = Some(Box::new(files::PageFiles::new(&cc.egui_ctx)));
                // Copy link gives this page's address with the scenario in its fragment.
                app.state.links.base = page_url.unwrap_or_default();
                Ok(Box::new(WebApp {
                    app,
                    page: page::Mirror::default(),
                    fragment,
                }))
            }),
        )
        .await;
    page::loaded();
    started.map_err(|error| format!("{error:?}"))
}

/// The desktop app with the page around it.
struct WebApp {
    app: OptivizApp,
    page: page::Mirror,
    /// The URL fragment last seen: a new one (a link pasted into the address bar, Back) opens.
    fragment: String,
}

impl WebApp {
    /// Opens the link in the URL fragment when it changed since the last frame.
    fn follow_fragment(&mut self) {
        let Some(fragment) = web_sys::window().and_then(|window| window.location().hash().ok())
        else {
            return;
        };
        if fragment == self.fragment {
            return;
        }
        self.fragment = fragment;
        if !self.fragment.is_empty() && self.fragment != "#bench" {
            let link = self.fragment.clone();
            self.app.state.open_link(&link);
        }
    }
}

impl eframe::App for WebApp {
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        files::read_dropped(ctx);
        self.follow_fragment();
        self.app.logic(ctx, frame);
        self.page.update(&self.app.state);
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.app.ui(ui, frame);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.app.save(storage);
    }

    fn auto_save_interval(&self) -> std::time::Duration {
        self.app.auto_save_interval()
    }
}
