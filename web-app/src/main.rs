//! The web app's entry point (see the library for everything else).

fn main() {
    sheetlink_web::start();
}
