//! Every screen in every state (the tour of `sheetlink_e2e::tour`), in both
//! languages, checked by axe-core: no serious or critical violation
//! anywhere. The Japanese tour runs at a phone's size (390 × 844) and also
//! checks that the page itself never scrolls sideways; the English one at a
//! desktop's.

use sheetlink_e2e::tour::{Language, Visitor, axe, tour};
use sheetlink_e2e::{Browser, Server, one_at_a_time};

/// Collects what axe and the width check find at each stop.
struct Checker {
    language: Language,
    phone: bool,
    problems: Vec<String>,
    stops: usize,
}

impl Visitor for Checker {
    async fn at(&mut self, browser: &Browser, state: &str) -> anyhow::Result<()> {
        self.stops += 1;
        for violation in axe(browser).await? {
            self.problems
                .push(format!("{} {state}: {violation}", self.language.code()));
        }
        if self.phone {
            let overflow = browser.sideways_overflow().await?;
            if overflow > 0 {
                let path = browser
                    .screenshot(&format!("overflow-{}-{state}", self.language.code()))
                    .await?;
                let culprits = browser.sticking_out().await?;
                self.problems.push(format!(
                    "{} {state}: the page scrolls {overflow} px sideways at 390 px: {} ({})",
                    self.language.code(),
                    culprits.join(", "),
                    path.display()
                ));
            }
        }
        Ok(())
    }
}

async fn check(language: Language, phone: bool) -> anyhow::Result<Checker> {
    let name = format!("screens-{}", language.code());
    let server = Server::start(&name).await?;
    let browser = Browser::start(&name).await?;
    if phone {
        browser.viewport(390, 844).await?;
    }
    let mut checker = Checker {
        language,
        phone,
        problems: Vec::new(),
        stops: 0,
    };
    let walked = tour(&server, &browser, language, &mut checker).await;
    if walked.is_err() {
        let path = browser.screenshot(&name).await?;
        browser.close().await;
        return walked
            .map(|()| checker)
            .map_err(|e| e.context(format!("screenshot: {}", path.display())));
    }
    browser.close().await;
    Ok(checker)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_passes_axe_in_both_languages_and_fits_a_phone() -> anyhow::Result<()> {
    let _one = one_at_a_time().await;
    let mut problems = Vec::new();
    for (language, phone) in [(Language::Ja, true), (Language::En, false)] {
        let checker = check(language, phone).await?;
        assert!(
            checker.stops >= 31,
            "the tour stopped {} times",
            checker.stops
        );
        problems.extend(checker.problems);
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    Ok(())
}
