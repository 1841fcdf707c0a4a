//! The rules for ids people create: tenants, members, groups, periods,
//! sheets, blocks, items — and login ids. Storage keys (`{tenant}/{id}`) and
//! URLs are built from them, so each is checked before it is stored: a fixed
//! character set without `/`, a bounded length. Names (what people read) may
//! be any text. The web app checks with the same functions before it sends,
//! so a form and the server never disagree.

/// What kind of id is being checked: decides the rule and the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// A tenant (組織): 2–32 lower-case letters, digits and hyphens, starting
    /// and ending with a letter or digit — it is typed at every sign-in.
    Tenant,
    /// A login id: 1–128 letters, digits and `. _ @ + -` (an e-mail address
    /// fits), compared without regard to case.
    Login,
    /// A member (社員) id.
    Member,
    /// A group id.
    Group,
    /// A period id.
    Period,
    /// A sheet id.
    Sheet,
    /// A block id.
    Block,
    /// An item id.
    Item,
}

/// The longest tenant id.
pub const MAX_TENANT_ID: usize = 32;
/// The longest login id.
pub const MAX_LOGIN_ID: usize = 128;
/// The longest member, group, period, sheet, block or item id.
pub const MAX_ID: usize = 64;

impl IdKind {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            IdKind::Tenant => ("組織ID", "A tenant id"),
            IdKind::Login => ("ログインID", "A login id"),
            IdKind::Member => ("社員ID", "A member id"),
            IdKind::Group => ("グループID", "A group id"),
            IdKind::Period => ("評価期ID", "A period id"),
            IdKind::Sheet => ("シートID", "A sheet id"),
            IdKind::Block => ("ブロックID", "A block id"),
            IdKind::Item => ("項目ID", "An item id"),
        }
    }

    fn bounds(self) -> (usize, usize) {
        match self {
            IdKind::Tenant => (2, MAX_TENANT_ID),
            IdKind::Login => (1, MAX_LOGIN_ID),
            _ => (1, MAX_ID),
        }
    }

    fn allows(self, c: char) -> bool {
        match self {
            IdKind::Tenant => c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
            IdKind::Login => c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '+' | '-'),
            _ => c.is_ascii_alphanumeric() || matches!(c, '_' | '-'),
        }
    }

    fn allowed_ja(self) -> &'static str {
        match self {
            IdKind::Tenant => "半角の英小文字・数字・ハイフン（先頭と末尾は英数字）",
            IdKind::Login => "半角の英数字と . _ @ + -",
            _ => "半角の英数字・アンダースコア・ハイフン（先頭は英数字）",
        }
    }

    fn allowed_en(self) -> &'static str {
        match self {
            IdKind::Tenant => {
                "lower-case letters, digits and hyphens, starting and ending with a letter or digit"
            }
            IdKind::Login => "letters, digits and . _ @ + -",
            _ => "letters, digits, underscores and hyphens, starting with a letter or digit",
        }
    }
}

/// Why an id was refused, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdProblem {
    /// What was checked.
    pub kind: IdKind,
    /// Japanese: what is wrong and how to fix it.
    pub ja: String,
    /// English.
    pub en: String,
}

/// Checks `value` as an id of `kind`. The login id's case is not checked
/// here: [`login_key`] folds it.
pub fn check_id(kind: IdKind, value: &str) -> Result<(), IdProblem> {
    let (ja_name, en_name) = kind.words();
    let (min, max) = kind.bounds();
    let refuse = |ja: String, en: String| {
        Err(IdProblem {
            kind,
            ja: format!("{ja}{}で入力してください。", kind.allowed_ja()),
            en: format!("{en} Use {}.", kind.allowed_en()),
        })
    };
    let length = value.chars().count();
    if length < min || length > max {
        return refuse(
            format!("{ja_name}は{min}〜{max}文字の"),
            format!("{en_name} has {min} to {max} characters (this one has {length})."),
        );
    }
    if let Some(bad) = value.chars().find(|&c| !kind.allows(c)) {
        let shown = if bad.is_control() || bad.is_whitespace() {
            format!("U+{:04X}", u32::from(bad))
        } else {
            bad.to_string()
        };
        return refuse(
            format!("{ja_name}に「{shown}」は使えません。"),
            format!("{en_name} cannot contain \"{shown}\"."),
        );
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let ends_ok = match kind {
        IdKind::Tenant => edge_ok(value.chars().next()) && edge_ok(value.chars().last()),
        IdKind::Login => true,
        _ => edge_ok(value.chars().next()),
    };
    if !ends_ok {
        return refuse(
            format!("{ja_name}の先頭（組織IDは末尾も）は英数字にしてください。"),
            format!("{en_name} must start (a tenant id also end) with a letter or digit."),
        );
    }
    Ok(())
}

/// The form a login id is stored and looked up in: ASCII lower case, so
/// `Sato@Example.com` and `sato@example.com` are one login.
pub fn login_key(login: &str) -> String {
    login.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_by_kind() {
        assert!(check_id(IdKind::Tenant, "acme-hr").is_ok());
        assert!(check_id(IdKind::Tenant, "a").is_err(), "too short");
        assert!(check_id(IdKind::Tenant, "Acme").is_err(), "upper case");
        assert!(check_id(IdKind::Tenant, "acme-").is_err(), "ends with -");
        assert!(check_id(IdKind::Tenant, &"a".repeat(33)).is_err());
        assert!(check_id(IdKind::Login, "sato.taro+hr@example.co.jp").is_ok());
        assert!(check_id(IdKind::Login, "sato taro").is_err());
        assert!(check_id(IdKind::Member, "e0001").is_ok());
        assert!(check_id(IdKind::Period, "2026-h1").is_ok());
        assert!(check_id(IdKind::Item, "goal1_rate").is_ok());
        assert!(check_id(IdKind::Group, "").is_err());
        assert!(check_id(IdKind::Sheet, "_x").is_err(), "starts with _");
        assert!(check_id(IdKind::Member, &"a".repeat(65)).is_err());
        for kind in [IdKind::Tenant, IdKind::Login, IdKind::Member, IdKind::Item] {
            let problem = check_id(kind, "a/b").expect_err("no slash anywhere");
            assert!(
                problem.ja.contains('/') && problem.en.contains('/'),
                "{problem:?}"
            );
        }
        let problem = check_id(IdKind::Member, "山田").expect_err("ASCII only");
        assert!(problem.ja.contains("社員ID") && problem.ja.contains("半角"));
        assert!(problem.en.starts_with("A member id"));
        let problem = check_id(IdKind::Login, "a\u{7}b").expect_err("control");
        assert!(problem.en.contains("U+0007"), "{}", problem.en);
    }

    #[test]
    fn login_ids_fold_case() {
        assert_eq!(login_key(" Sato@Example.COM "), "sato@example.com");
    }
}
