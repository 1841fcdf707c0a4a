//! Configuration: defaults, then a TOML file, then environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

/// Server settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (`SHEETLINK_LISTEN`).
    pub listen: SocketAddr,
    /// Directory holding `sheetlink.redb` (`SHEETLINK_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Mark session cookies `Secure` and name them `__Host-…`
    /// (`SHEETLINK_SECURE_COOKIES=1`); always so when `public_url` is https.
    pub secure_cookies: bool,
    /// Seed the demo tenant, whose passwords are published, into an empty
    /// database (`SHEETLINK_DEMO=1`; off unless asked for: `run.sh` asks).
    pub demo: bool,
    /// Evaluatees in the demo tenant (`SHEETLINK_DEMO_MEMBERS`; 200).
    pub demo_members: usize,
    /// An import still applying after this many seconds stops as timed out
    /// (`SHEETLINK_IMPORT_TIMEOUT_SECS`; one hour by default).
    pub import_timeout_secs: u64,
    /// The built web app (`trunk build` output) served at `/`
    /// (`SHEETLINK_WEB_DIR`; `web-app/dist`). When the directory is
    /// missing, only the API is served.
    pub web_dir: PathBuf,
    /// Reverse proxies whose `X-Forwarded-For` is believed, `;`-separated
    /// addresses or CIDR blocks (`SHEETLINK_TRUSTED_PROXIES`; none).
    pub trusted_proxies: String,
    /// The address users reach the server at, written into the batch
    /// client's `linkage.conf` exactly as configured (`SHEETLINK_PUBLIC_URL`).
    /// Without it no client module is built: the request's `Host` is the
    /// client's to choose, so it is never used.
    pub public_url: Option<String>,
    /// Where the batch client programs the client module carries are
    /// (`sheetlink` for Linux, `sheetlink.exe` for Windows;
    /// `SHEETLINK_CLIENT_DIR`). Unset: the folder of the server's own
    /// executable, where `cargo build` and a release archive put them.
    pub client_dir: Option<PathBuf>,
    /// SMTP relay for notification e-mails (`SHEETLINK_SMTP_HOST`); without
    /// one, mails stay queued.
    pub smtp_host: Option<String>,
    /// Its port (`SHEETLINK_SMTP_PORT`; 587).
    pub smtp_port: u16,
    /// `starttls` (required; the default), `tls`, or `none` for a relay on
    /// the same host (`SHEETLINK_SMTP_SECURITY`).
    pub smtp_security: crate::linkage::mail::SmtpSecurity,
    /// SMTP user, when the relay wants one (`SHEETLINK_SMTP_USER`).
    pub smtp_user: Option<String>,
    /// Its password (`SHEETLINK_SMTP_PASSWORD`).
    pub smtp_password: Option<String>,
    /// The `From` of notification e-mails (`SHEETLINK_MAIL_FROM`).
    pub mail_from: String,
    /// Offset of the times in notifications from UTC, in minutes
    /// (`SHEETLINK_TZ_OFFSET_MINUTES`; 540, Japan).
    pub timezone_offset_minutes: i32,
    /// CRM imports (batch and manual together) a tenant may start in an
    /// hour (`SHEETLINK_CRM_IMPORTS_PER_HOUR`; 300: ten conditions run every
    /// five minutes start 120). Counted in the transaction that claims a
    /// run; over it, 429 with when to retry.
    pub crm_imports_per_hour: u32,
    /// What is kept and how long (`[retention]`: `imports`, `linkage_runs`,
    /// `idempotency_days`, `timeline_days`, `mail_days`; or
    /// `SHEETLINK_RETENTION_…` of each in capitals). Applied hourly by a
    /// background task in bounded steps.
    pub retention: crate::store::RetentionPolicy,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            secure_cookies: false,
            demo: false,
            demo_members: crate::seed::DEMO_MEMBERS,
            import_timeout_secs: 60 * 60,
            web_dir: PathBuf::from("web-app/dist"),
            trusted_proxies: String::new(),
            public_url: None,
            client_dir: None,
            smtp_host: None,
            smtp_port: 587,
            smtp_security: crate::linkage::mail::SmtpSecurity::Starttls,
            smtp_user: None,
            smtp_password: None,
            mail_from: "sheetlink <no-reply@localhost>".to_owned(),
            timezone_offset_minutes: 9 * 60,
            crm_imports_per_hour: crate::linkage::claim::DEFAULT_IMPORTS_PER_HOUR,
            retention: crate::store::RetentionPolicy::default(),
        }
    }
}

impl Config {
    /// Whether users reach the server over HTTPS: session cookies are then
    /// `Secure` and `__Host-` prefixed.
    pub fn https(&self) -> bool {
        self.secure_cookies
            || self
                .public_url
                .as_deref()
                .is_some_and(|url| url.starts_with("https://"))
    }

    /// Reads the TOML file at `path` (if given), then applies the
    /// environment through `env` (a function so tests need not touch the
    /// process environment).
    pub fn load(
        path: Option<&std::path::Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let mut config: Config = match path {
            Some(path) => toml::from_str(&std::fs::read_to_string(path)?)?,
            None => Config::default(),
        };
        if let Some(listen) = env("SHEETLINK_LISTEN") {
            config.listen = listen.parse()?;
        }
        if let Some(dir) = env("SHEETLINK_DATA_DIR") {
            config.data_dir = PathBuf::from(dir);
        }
        if let Some(flag) = env("SHEETLINK_SECURE_COOKIES") {
            config.secure_cookies = flag == "1" || flag == "true";
        }
        if let Some(seconds) = env("SHEETLINK_IMPORT_TIMEOUT_SECS") {
            config.import_timeout_secs = seconds.parse()?;
        }
        {
            let r = &mut config.retention;
            for (name, slot) in [
                ("SHEETLINK_RETENTION_IMPORTS", &mut r.imports),
                ("SHEETLINK_RETENTION_LINKAGE_RUNS", &mut r.linkage_runs),
            ] {
                if let Some(value) = env(name) {
                    *slot = value.parse()?;
                }
            }
            for (name, slot) in [
                (
                    "SHEETLINK_RETENTION_IDEMPOTENCY_DAYS",
                    &mut r.idempotency_days,
                ),
                ("SHEETLINK_RETENTION_TIMELINE_DAYS", &mut r.timeline_days),
                ("SHEETLINK_RETENTION_MAIL_DAYS", &mut r.mail_days),
            ] {
                if let Some(value) = env(name) {
                    *slot = value.parse()?;
                }
            }
            r.check().map_err(anyhow::Error::msg)?;
        }
        if let Some(count) = env("SHEETLINK_CRM_IMPORTS_PER_HOUR") {
            config.crm_imports_per_hour = count.parse()?;
        }
        anyhow::ensure!(
            config.crm_imports_per_hour > 0,
            "crm_imports_per_hour (SHEETLINK_CRM_IMPORTS_PER_HOUR) must be at least 1"
        );
        if let Some(count) = env("SHEETLINK_DEMO_MEMBERS") {
            config.demo_members = count.parse()?;
        }
        if let Some(list) = env("SHEETLINK_TRUSTED_PROXIES") {
            config.trusted_proxies = list;
        }
        if let Some(url) = env("SHEETLINK_PUBLIC_URL") {
            config.public_url = Some(url);
        }
        if let Some(dir) = env("SHEETLINK_CLIENT_DIR") {
            config.client_dir = Some(PathBuf::from(dir));
        }
        if let Some(host) = env("SHEETLINK_SMTP_HOST") {
            config.smtp_host = Some(host);
        }
        if let Some(port) = env("SHEETLINK_SMTP_PORT") {
            config.smtp_port = port.parse()?;
        }
        if let Some(security) = env("SHEETLINK_SMTP_SECURITY") {
            config.smtp_security = match security.as_str() {
                "starttls" => crate::linkage::mail::SmtpSecurity::Starttls,
                "tls" => crate::linkage::mail::SmtpSecurity::Tls,
                "none" => crate::linkage::mail::SmtpSecurity::None,
                other => anyhow::bail!(
                    "SHEETLINK_SMTP_SECURITY must be starttls, tls or none, not {other}"
                ),
            };
        }
        if let Some(user) = env("SHEETLINK_SMTP_USER") {
            config.smtp_user = Some(user);
        }
        if let Some(password) = env("SHEETLINK_SMTP_PASSWORD") {
            config.smtp_password = Some(password);
        }
        if let Some(from) = env("SHEETLINK_MAIL_FROM") {
            config.mail_from = from;
        }
        if let Some(minutes) = env("SHEETLINK_TZ_OFFSET_MINUTES") {
            config.timezone_offset_minutes = minutes.parse()?;
        }
        crate::linkage::access::parse_allowed(&config.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("trusted_proxies: {e}"))?;
        if let Some(dir) = env("SHEETLINK_WEB_DIR") {
            config.web_dir = PathBuf::from(dir);
        }
        if let Some(flag) = env("SHEETLINK_DEMO") {
            config.demo = flag == "1" || flag == "true";
        }
        if let Some(url) = &config.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            anyhow::bail!("public_url must start with https:// or http://, not {url}");
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_the_file() {
        let dir = std::env::temp_dir().join(format!("sheetlink-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("server.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/sheetlink\"\n",
        )
        .expect("config written");
        let env = |name: &str| (name == "SHEETLINK_LISTEN").then(|| "127.0.0.1:0".to_owned());
        let config = Config::load(Some(&file), env).expect("loads");
        assert_eq!(config.listen, "127.0.0.1:0".parse().expect("addr"));
        assert_eq!(config.data_dir, PathBuf::from("/srv/sheetlink"));
        assert!(!config.demo && !config.secure_cookies, "the demo is opt-in");
        let demo = Config::load(None, |name| {
            (name == "SHEETLINK_DEMO").then(|| "1".to_owned())
        })
        .expect("loads");
        assert!(demo.demo);
        let https = |name: &str| {
            (name == "SHEETLINK_PUBLIC_URL").then(|| "https://sheetlink.example.co.jp".to_owned())
        };
        assert!(Config::load(None, https).expect("loads").https());
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\nport = 1\n").expect("config written");
        assert!(
            Config::load(Some(&file), |_| None).is_err(),
            "unknown keys are refused"
        );
        // The retention policy: from the file, the environment over it,
        // refused below what the screens need.
        std::fs::write(&file, "[retention]\nimports = 200\ntimeline_days = 30\n").expect("written");
        let env = |name: &str| (name == "SHEETLINK_RETENTION_MAIL_DAYS").then(|| "10".to_owned());
        let retention = Config::load(Some(&file), env).expect("loads").retention;
        assert_eq!(
            retention,
            crate::store::RetentionPolicy {
                imports: 200,
                timeline_days: 30,
                mail_days: 10,
                ..Default::default()
            }
        );
        std::fs::write(&file, "[retention]\nimports = 50\n").expect("written");
        assert!(
            Config::load(Some(&file), |_| None).is_err(),
            "fewer than the history lists"
        );
        let none =
            |name: &str| (name == "SHEETLINK_RETENTION_IDEMPOTENCY_DAYS").then(|| "0".to_owned());
        assert!(
            Config::load(None, none).is_err(),
            "keys kept at least a day"
        );
    }
}
