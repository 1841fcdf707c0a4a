//! Photographs every screen and state of the tour in Japanese and English at
//! 1366 × 900 and at a phone's 390 × 844, into one folder (the first
//! argument, else `target/screenshots`). Not a test: for people to look at.
//! `scripts/screenshots.sh` builds the app and runs it.

use std::path::PathBuf;

use anyhow::Context as _;
use sheetlink_e2e::tour::{Language, Visitor, tour};
use sheetlink_e2e::{Browser, Server, workspace};

/// The tallest picture, in CSS pixels: a longer page is cut there.
const MAX_HEIGHT: u32 = 6000;

struct Camera {
    folder: PathBuf,
    prefix: String,
    width: u32,
    height: u32,
    taken: usize,
}

impl Visitor for Camera {
    async fn at(&mut self, browser: &Browser, state: &str) -> anyhow::Result<()> {
        // The whole page: the viewport grows to the page's height for the
        // picture, then shrinks back.
        let full = browser
            .eval("return document.documentElement.scrollHeight;")
            .await?
            .as_u64()
            .unwrap_or(u64::from(self.height));
        let full = u32::try_from(full)
            .unwrap_or(MAX_HEIGHT)
            .clamp(self.height, MAX_HEIGHT);
        browser.viewport(self.width, full).await?;
        self.taken += 1;
        let path = self
            .folder
            .join(format!("{}-{:02}-{state}.png", self.prefix, self.taken));
        std::fs::write(&path, browser.client.screenshot().await?)
            .with_context(|| format!("writing {}", path.display()))?;
        browser.viewport(self.width, self.height).await?;
        Ok(())
    }
}

#[tokio::main]
#[allow(clippy::print_stdout)] // where the pictures went is this program's output
async fn main() -> anyhow::Result<()> {
    let folder = std::env::args()
        .nth(1)
        .map_or_else(|| workspace().join("target/screenshots"), PathBuf::from);
    std::fs::create_dir_all(&folder)?;
    for (width, height, size) in [(1366, 900, "desktop"), (390, 844, "phone")] {
        for language in [Language::Ja, Language::En] {
            let name = format!("shots-{size}-{}", language.code());
            let server = Server::start(&name).await?;
            let browser = Browser::start(&name).await?;
            browser.viewport(width, height).await?;
            let mut camera = Camera {
                folder: folder.clone(),
                prefix: format!("{size}-{}", language.code()),
                width,
                height,
                taken: 0,
            };
            tour(&server, &browser, language, &mut camera).await?;
            browser.close().await;
            println!("{size} {}: {} screens", language.code(), camera.taken);
        }
    }
    println!("pictures in {}", folder.display());
    Ok(())
}
