//! The password rules: at least [`MIN_PASSWORD_CHARS`] characters, at most
//! [`MAX_PASSWORD_BYTES`] bytes (argon2 of a megabyte is a denial of
//! service), not the login id, and not a common password. "Common" is
//! zxcvbn's built-in list of the 30,000 most used passwords (the whole
//! password, in any case, reversed or with l33t substitutions), and — since
//! a list never holds every `aaaaaaaaaa` or `1234567890qwe` — anything its
//! estimate says falls within a million guesses (score 0 or 1). No
//! composition rules (NIST SP 800-63B): length and rarity, not symbols.

use zxcvbn::matching::patterns::MatchPattern;
use zxcvbn::{Score, zxcvbn};

use crate::error::AppError;

pub use sheetlink_protocol::accounts::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS};

/// Checks a new password for the member signing in as `login`.
pub fn check_password(password: &str, login: &str) -> Result<(), AppError> {
    let refuse = |code, ja: String, en: String| Err(AppError::bad_request(code, ja, en));
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return refuse(
            "password_too_short",
            format!(
                "パスワードは{MIN_PASSWORD_CHARS}文字以上にしてください（いま{length}文字）。覚えやすい語をいくつかつなげると安全で覚えやすくなります。"
            ),
            format!(
                "A password has at least {MIN_PASSWORD_CHARS} characters (this one {length}). Several words strung together are safe and easy to remember."
            ),
        );
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return refuse(
            "password_too_long",
            format!("パスワードは{MAX_PASSWORD_BYTES}バイトまでです。"),
            format!("A password has at most {MAX_PASSWORD_BYTES} bytes."),
        );
    }
    let folded = password.to_lowercase();
    let login = login.to_lowercase();
    if !login.is_empty() && (folded == login || folded.contains(&login) && login.len() >= 4) {
        return refuse(
            "password_is_login",
            "パスワードにログインIDを使わないでください。".into(),
            "Do not use your login id in your password.".into(),
        );
    }
    let estimate = zxcvbn(password, &[login.as_str()]);
    let listed = matches!(
        estimate.sequence(),
        [only] if only.i == 0
            && only.j + 1 == password.chars().count()
            && matches!(&only.pattern, MatchPattern::Dictionary(d) if is_password_list(d))
    );
    if listed || estimate.score() < Score::Two {
        return refuse(
            "password_common",
            "よく使われるパスワード、または推測されやすい並びです。ほかの人が思いつかない語をいくつかつなげてください。".into(),
            "This password is common or easy to guess: string together a few words others would not think of.".into(),
        );
    }
    Ok(())
}

/// Whether a dictionary match is from zxcvbn's password list (its
/// dictionary type is not exported, only its name).
fn is_password_list(pattern: &zxcvbn::matching::patterns::DictionaryPattern) -> bool {
    format!("{:?}", pattern.dictionary_name) == "Passwords"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(password: &str, login: &str) -> Option<String> {
        check_password(password, login)
            .err()
            .map(|error| error.body().1.error)
    }

    #[test]
    fn passwords_follow_the_rules() {
        assert_eq!(
            code("short-one", "sato").as_deref(),
            Some("password_too_short")
        );
        assert_eq!(
            code(&"x".repeat(2000), "sato").as_deref(),
            Some("password_too_long")
        );
        assert_eq!(
            code("sato.taro@example.jp", "sato.taro@example.jp").as_deref(),
            Some("password_is_login")
        );
        for common in [
            "1234567890",
            "password123",
            "qwertyuiop",
            "Password12",
            "aaaaaaaaaaaa",
        ] {
            assert_eq!(
                code(common, "sato").as_deref(),
                Some("password_common"),
                "{common}"
            );
        }
        for fine in [
            "kappa-sushi-tokyo-blue",
            "夏の朝に冷たい麦茶を一杯",
            "Nagoya castle 1612 moat",
        ] {
            assert_eq!(code(fine, "sato"), None, "{fine}");
        }
        assert_eq!(
            code("十文字のパスワードです", "sato"),
            None,
            "characters, not bytes"
        );
    }
}
