//! Members in bulk: the member CSV an HR department keeps in Excel —
//! 氏名, 従業員番号, メールアドレス, ロール, グループ, 状態 — read into rows with
//! every problem located by row and column, and written back out.
//!
//! What the engine decides is what the file alone says: its encoding (UTF-8
//! with or without BOM, or Shift_JIS), its header (Japanese or English
//! names, any order, only known columns, each once), and each row's cells
//! (a name, a key, an address that is one, roles and states it knows, no
//! employee number or address twice in the file). What the file means for
//! the tenant's members — who is new, who changes, whose key clashes with
//! someone else's — needs the stored members and is the server's; its
//! problems are [`MemberProblem`]s too, so every message is written here.
//!
//! A column the file leaves out leaves that field of every member as it is;
//! a blank cell in a column the file has clears the field (as a blank cell
//! of an evaluation template deletes the value), except 状態: only an
//! explicit 無効 deactivates a member, and a blank 状態 changes nothing.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, Lang, Problem, excerpt};
use crate::linkage::{Export, InputEncoding, OutputEncoding, Unrepresentable};
use crate::rows::{CsvRows, Row, RowSource as _};

/// The most data rows one member file may hold.
pub const MAX_MEMBER_ROWS: u32 = 20_000;
/// The longest name (氏名) and group name, in characters.
pub const MAX_MEMBER_NAME_CHARS: usize = 100;
/// The longest employee number, in characters.
pub const MAX_EMPLOYEE_NUMBER_CHARS: usize = 64;
/// The most groups one member may be in.
pub const MAX_GROUPS_PER_MEMBER: usize = 50;
/// The most problems one read keeps (the count stays exact).
pub const MAX_MEMBER_PROBLEMS: usize = 1_000;
/// The largest member file, in bytes.
pub const MAX_MEMBER_FILE_BYTES: usize = 30 * 1024 * 1024;
/// What separates several groups or roles in one cell.
pub const LIST_SEPARATOR: char = ';';

/// A column of the member file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberColumn {
    /// 氏名.
    Name,
    /// 従業員番号.
    EmployeeNumber,
    /// メールアドレス.
    Email,
    /// ロール.
    Roles,
    /// グループ.
    Groups,
    /// 状態 (有効 / 無効).
    State,
}

impl MemberColumn {
    /// Every column, in the order an export writes them.
    pub const ALL: [MemberColumn; 6] = [
        MemberColumn::Name,
        MemberColumn::EmployeeNumber,
        MemberColumn::Email,
        MemberColumn::Roles,
        MemberColumn::Groups,
        MemberColumn::State,
    ];

    /// The header an export writes in `lang`.
    pub fn header(self, lang: Lang) -> &'static str {
        match self {
            MemberColumn::Name => lang.pick("氏名", "name"),
            MemberColumn::EmployeeNumber => lang.pick("従業員番号", "employee_number"),
            MemberColumn::Email => lang.pick("メールアドレス", "email"),
            MemberColumn::Roles => lang.pick("ロール", "roles"),
            MemberColumn::Groups => lang.pick("グループ", "groups"),
            MemberColumn::State => lang.pick("状態", "status"),
        }
    }

    /// The column a header names, in either language: spaces, `_` and `-`
    /// and the case of English names do not matter.
    pub fn from_header(text: &str) -> Option<Self> {
        let folded: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '　' | '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect();
        Some(match folded.as_str() {
            "氏名" | "名前" | "name" => MemberColumn::Name,
            "従業員番号" | "社員番号" | "employeenumber" | "employeeno" => {
                MemberColumn::EmployeeNumber
            }
            "メールアドレス" | "メール" | "email" | "mail" | "emailaddress" => {
                MemberColumn::Email
            }
            "ロール" | "役割" | "roles" | "role" => MemberColumn::Roles,
            "グループ" | "groups" | "group" => MemberColumn::Groups,
            "状態" | "status" | "state" => MemberColumn::State,
            _ => return None,
        })
    }
}

/// The roles a member file gives (a group leader's groups are the member's
/// own グループ; the periods they lead are set on the account screen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MemberRoles {
    /// 評価管理者.
    pub evaluation_admin: bool,
    /// CRM管理者.
    pub crm_admin: bool,
    /// グループリーダー.
    pub leader: bool,
}

/// The role words a file may use, in both languages: `(ja, en, role)`.
const ROLE_WORDS: [(&str, &str, RoleWord); 4] = [
    ("評価管理者", "evaluation_admin", RoleWord::EvaluationAdmin),
    ("CRM管理者", "crm_admin", RoleWord::CrmAdmin),
    ("グループリーダー", "leader", RoleWord::Leader),
    ("メンバー", "member", RoleWord::Member),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoleWord {
    EvaluationAdmin,
    CrmAdmin,
    Leader,
    Member,
}

impl MemberRoles {
    /// The cell an export writes: the roles in `lang`, `;`-separated, or
    /// `メンバー` / `member` for none.
    pub fn cell(self, lang: Lang) -> String {
        let words: Vec<&str> = ROLE_WORDS
            .iter()
            .filter(|(_, _, word)| match word {
                RoleWord::EvaluationAdmin => self.evaluation_admin,
                RoleWord::CrmAdmin => self.crm_admin,
                RoleWord::Leader => self.leader,
                RoleWord::Member => false,
            })
            .map(|(ja, en, _)| lang.pick(*ja, *en))
            .collect();
        if words.is_empty() {
            lang.pick("メンバー", "member").to_owned()
        } else {
            words.join(";")
        }
    }

    /// Reads a roles cell: words of either language (English in any case,
    /// spaces for `_`), `;`- or `,`-separated, blank or `メンバー` for none.
    /// `Err` names the first word it does not know.
    pub fn parse(cell: &str) -> Result<MemberRoles, String> {
        let mut roles = MemberRoles::default();
        for word in cell.split([LIST_SEPARATOR, ',', '；', '、']) {
            let word = word.trim();
            if word.is_empty() {
                continue;
            }
            let folded = word.to_ascii_lowercase().replace([' ', '-'], "_");
            let Some((_, _, role)) = ROLE_WORDS.iter().find(|(ja, en, _)| {
                *ja == word || *en == folded || folded == ja.to_ascii_lowercase()
            }) else {
                return Err(word.to_owned());
            };
            match role {
                RoleWord::EvaluationAdmin => roles.evaluation_admin = true,
                RoleWord::CrmAdmin => roles.crm_admin = true,
                RoleWord::Leader => roles.leader = true,
                RoleWord::Member => {}
            }
        }
        Ok(roles)
    }
}

/// What a 状態 cell says.
fn parse_state(cell: &str) -> Result<Option<bool>, ()> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "有効" | "active" => Ok(Some(true)),
        "無効" | "inactive" => Ok(Some(false)),
        _ => Err(()),
    }
}

/// The cell an export writes for a member's state.
pub fn state_cell(active: bool, lang: Lang) -> &'static str {
    match (active, lang) {
        (true, Lang::Ja) => "有効",
        (false, Lang::Ja) => "無効",
        (true, Lang::En) => "active",
        (false, Lang::En) => "inactive",
    }
}

/// One data row of a member file that has no problem of its own. A field
/// is `None` when the file has no such column (the member's value stays);
/// text fields are trimmed and `Some("")` when the cell is blank.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberRow {
    /// 1-based row as Excel shows it.
    pub row: u32,
    /// 氏名 (never blank when the column is there).
    pub name: Option<String>,
    /// 従業員番号.
    pub employee_number: Option<String>,
    /// メールアドレス (a valid address, or blank).
    pub email: Option<String>,
    /// ロール.
    pub roles: Option<MemberRoles>,
    /// グループ: names (or ids) as written, in order, without repeats.
    pub groups: Option<Vec<String>>,
    /// 状態: `Some(false)` only for an explicit 無効; `None` for no column
    /// or a blank cell.
    pub active: Option<bool>,
}

impl MemberRow {
    /// The employee number, when the row has one.
    pub fn employee_number(&self) -> Option<&str> {
        self.employee_number.as_deref().filter(|n| !n.is_empty())
    }

    /// The e-mail address, when the row has one.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref().filter(|e| !e.is_empty())
    }
}

/// A read member file: its clean rows and every problem found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemberFile {
    /// The columns, in file order (column 1 first).
    pub columns: Vec<MemberColumn>,
    /// The rows without problems, in file order.
    pub rows: Vec<MemberRow>,
    /// Data rows read (blank rows not counted).
    pub data_rows: u32,
    /// The first [`MAX_MEMBER_PROBLEMS`] problems, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Every problem found, kept or not.
    pub problem_count: usize,
}

impl MemberFile {
    /// The 1-based column of `column` in the file.
    pub fn column_of(&self, column: MemberColumn) -> Option<u32> {
        self.columns
            .iter()
            .position(|&c| c == column)
            .map(|index| index as u32 + 1)
    }

    /// Whether the file has `column`.
    pub fn has(&self, column: MemberColumn) -> bool {
        self.columns.contains(&column)
    }

    /// Adds a problem (the server's too), keeping the first
    /// [`MAX_MEMBER_PROBLEMS`].
    pub fn report(&mut self, row: u32, column: Option<MemberColumn>, problem: MemberProblem) {
        let column = column.and_then(|c| self.column_of(c));
        self.push(Diagnostic::at(row, column, Problem::Member(problem)));
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        self.problem_count += 1;
        if self.diagnostics.len() < MAX_MEMBER_PROBLEMS {
            self.diagnostics.push(diagnostic);
        }
    }
}

/// Something wrong with a member file or one of its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MemberProblem {
    /// A header the file has that is no member column.
    UnknownColumn {
        /// The header found.
        header: String,
    },
    /// A column named twice.
    RepeatedColumn {
        /// The header found.
        header: String,
        /// Where it was first.
        first_column: u32,
    },
    /// The header lacks 氏名, or both 従業員番号 and メールアドレス.
    MissingColumns,
    /// The file has no data row.
    Empty,
    /// 氏名 is blank.
    NameBlank,
    /// Neither 従業員番号 nor メールアドレス is given.
    KeyBlank,
    /// A cell longer than its field allows.
    TooLong {
        /// Which field.
        column: MemberColumn,
        /// Characters found.
        length: usize,
        /// Most allowed.
        max: usize,
    },
    /// A cell with a control character (a line break in a name).
    ControlCharacter {
        /// Which field.
        column: MemberColumn,
    },
    /// Not an e-mail address.
    EmailInvalid {
        /// The cell.
        value: String,
    },
    /// The employee number or address of an earlier row.
    Repeated {
        /// Which field.
        column: MemberColumn,
        /// The value.
        value: String,
        /// The row it was first in.
        first_row: u32,
    },
    /// A role word nobody knows.
    UnknownRole {
        /// The word.
        value: String,
    },
    /// A 状態 that is neither 有効 nor 無効.
    UnknownState {
        /// The cell.
        value: String,
    },
    /// More groups than a member may be in.
    TooManyGroups {
        /// Groups found.
        count: usize,
    },
    /// A group leader without a group to lead.
    LeaderWithoutGroup,
    /// The employee number is another member's than the address (server).
    KeysOfTwoMembers {
        /// Who has the employee number.
        by_number: String,
        /// Who has the address.
        by_email: String,
    },
    /// The address belongs to another member (server).
    EmailTaken {
        /// The address.
        value: String,
        /// Whose it is.
        member: String,
    },
    /// The login id a new member would get is another member's (server).
    LoginTaken {
        /// The login id.
        login: String,
    },
    /// The row would take the importing admin's own admin role or
    /// deactivate them (server).
    OwnAccess,
}

impl MemberProblem {
    /// A stable code, e.g. `member.email`.
    pub fn code(&self) -> &'static str {
        match self {
            MemberProblem::UnknownColumn { .. } => "members.unknown_column",
            MemberProblem::RepeatedColumn { .. } => "members.repeated_column",
            MemberProblem::MissingColumns => "members.missing_columns",
            MemberProblem::Empty => "members.empty",
            MemberProblem::NameBlank => "member.name_blank",
            MemberProblem::KeyBlank => "member.key_blank",
            MemberProblem::TooLong { .. } => "member.too_long",
            MemberProblem::ControlCharacter { .. } => "member.control_character",
            MemberProblem::EmailInvalid { .. } => "member.email",
            MemberProblem::Repeated { .. } => "member.repeated",
            MemberProblem::UnknownRole { .. } => "member.role",
            MemberProblem::UnknownState { .. } => "member.state",
            MemberProblem::TooManyGroups { .. } => "member.too_many_groups",
            MemberProblem::LeaderWithoutGroup => "member.leader_without_group",
            MemberProblem::KeysOfTwoMembers { .. } => "member.keys_of_two_members",
            MemberProblem::EmailTaken { .. } => "member.email_taken",
            MemberProblem::LoginTaken { .. } => "member.login_taken",
            MemberProblem::OwnAccess => "member.own_access",
        }
    }

    /// What is wrong and how to fix it.
    pub fn message(&self, lang: Lang) -> String {
        let ja = lang == Lang::Ja;
        let headers = |lang: Lang| {
            MemberColumn::ALL
                .iter()
                .map(|c| c.header(lang))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            MemberProblem::UnknownColumn { header } => {
                if ja {
                    format!(
                        "見出し「{header}」は使えません。使える見出しは {} です。",
                        headers(Lang::Ja)
                    )
                } else {
                    format!(
                        "\"{header}\" is not a member column. The columns are {} (or their Japanese names).",
                        headers(Lang::En)
                    )
                }
            }
            MemberProblem::RepeatedColumn {
                header,
                first_column,
            } => {
                let first = crate::column_letter(*first_column);
                if ja {
                    format!(
                        "見出し「{header}」が{first}列にもあります。どちらか一方を消してください。"
                    )
                } else {
                    format!("\"{header}\" is also column {first}. Remove one of them.")
                }
            }
            MemberProblem::MissingColumns => {
                if ja {
                    "1行目には「氏名」と、「従業員番号」「メールアドレス」の少なくとも一方が必要です。メンバー一覧をエクスポートして見出しをそろえてください。".to_owned()
                } else {
                    "Row 1 needs \"name\" and at least one of \"employee_number\" and \"email\". Export the member list to start from its header.".to_owned()
                }
            }
            MemberProblem::Empty => {
                if ja {
                    "データ行がありません。2行目からメンバーを1人1行で書いてください。".to_owned()
                } else {
                    "The file has no data rows: list one member per row from row 2.".to_owned()
                }
            }
            MemberProblem::NameBlank => {
                if ja {
                    "氏名が空欄です。氏名を入力してください。".to_owned()
                } else {
                    "The name is blank: enter the member's name.".to_owned()
                }
            }
            MemberProblem::KeyBlank => {
                if ja {
                    "従業員番号とメールアドレスが両方とも空欄です。どちらかを入力してください（メンバーを見分けるのに使います）。".to_owned()
                } else {
                    "Both the employee number and the e-mail address are blank: enter one (it tells members apart).".to_owned()
                }
            }
            MemberProblem::TooLong {
                column,
                length,
                max,
            } => {
                if ja {
                    format!(
                        "{}が{length}文字あります。{max}文字以内にしてください。",
                        column.header(Lang::Ja)
                    )
                } else {
                    format!(
                        "The {} has {length} characters; at most {max} are allowed.",
                        column.header(Lang::En).replace('_', " ")
                    )
                }
            }
            MemberProblem::ControlCharacter { column } => {
                if ja {
                    format!(
                        "{}に改行などの制御文字があります。1行で入力してください。",
                        column.header(Lang::Ja)
                    )
                } else {
                    format!(
                        "The {} holds a line break or another control character: keep it on one line.",
                        column.header(Lang::En).replace('_', " ")
                    )
                }
            }
            MemberProblem::EmailInvalid { value } => {
                if ja {
                    format!(
                        "「{value}」はメールアドレスの形式ではありません。taro@example.co.jp のように半角で入力してください。"
                    )
                } else {
                    format!(
                        "\"{value}\" is not an e-mail address. Enter one such as taro@example.co.jp."
                    )
                }
            }
            MemberProblem::Repeated {
                column,
                value,
                first_row,
            } => {
                if ja {
                    format!(
                        "{}「{value}」は{first_row}行目にもあります。1人1行にしてください。",
                        column.header(Lang::Ja)
                    )
                } else {
                    format!(
                        "The {} \"{value}\" is also in row {first_row}: list each member once.",
                        column.header(Lang::En).replace('_', " ")
                    )
                }
            }
            MemberProblem::UnknownRole { value } => {
                let words = |lang: Lang| {
                    ROLE_WORDS
                        .iter()
                        .map(|(j, e, _)| lang.pick(*j, *e))
                        .collect::<Vec<_>>()
                        .join("、")
                };
                if ja {
                    format!(
                        "ロール「{value}」はありません。{} から選び、複数なら「;」で区切ってください。",
                        words(Lang::Ja)
                    )
                } else {
                    format!(
                        "There is no role \"{value}\". Use {}, separated by \";\".",
                        words(Lang::En)
                    )
                }
            }
            MemberProblem::UnknownState { value } => {
                if ja {
                    format!(
                        "状態「{value}」は使えません。「有効」か「無効」を入力してください（空欄は今のまま）。"
                    )
                } else {
                    format!(
                        "\"{value}\" is not a status. Enter \"active\" or \"inactive\" (blank keeps it as it is)."
                    )
                }
            }
            MemberProblem::TooManyGroups { count } => {
                if ja {
                    format!(
                        "グループが{count}個あります。1人{MAX_GROUPS_PER_MEMBER}個までにしてください。"
                    )
                } else {
                    format!("{count} groups given; a member is in at most {MAX_GROUPS_PER_MEMBER}.")
                }
            }
            MemberProblem::LeaderWithoutGroup => {
                if ja {
                    "グループリーダーにはグループが必要です。グループ列に率いるグループを入力してください。".to_owned()
                } else {
                    "A group leader needs a group: enter the groups they lead in the groups column."
                        .to_owned()
                }
            }
            MemberProblem::KeysOfTwoMembers {
                by_number,
                by_email,
            } => {
                if ja {
                    format!(
                        "従業員番号は{by_number}さん、メールアドレスは{by_email}さんのものです。どちらのメンバーの行か確かめて、片方を直してください。"
                    )
                } else {
                    format!(
                        "The employee number is {by_number}'s but the e-mail address is {by_email}'s. Check whose row this is and correct one of them."
                    )
                }
            }
            MemberProblem::EmailTaken { value, member } => {
                if ja {
                    format!(
                        "メールアドレス「{value}」は{member}さんが使っています。別のアドレスにするか、{member}さんの行にしてください。"
                    )
                } else {
                    format!(
                        "{value} is {member}'s address. Use another address, or make this row {member}'s."
                    )
                }
            }
            MemberProblem::LoginTaken { login } => {
                if ja {
                    format!(
                        "新しいメンバーのログインID「{login}」は別のメンバーが使っています。メールアドレスか従業員番号を確かめてください。"
                    )
                } else {
                    format!(
                        "The new member's login id \"{login}\" is another member's. Check the e-mail address or employee number."
                    )
                }
            }
            MemberProblem::OwnAccess => {
                if ja {
                    "ご自身を無効にしたり、ご自身の評価管理者ロールを外したりはできません。この行のロールと状態を元に戻してください。".to_owned()
                } else {
                    "You cannot deactivate yourself or remove your own evaluation admin role: restore this row's roles and status.".to_owned()
                }
            }
        }
    }
}

/// Reads a member file: UTF-8 (with or without BOM) or Shift_JIS.
pub fn read_members(bytes: &[u8]) -> MemberFile {
    let mut file = MemberFile::default();
    if bytes.len() > MAX_MEMBER_FILE_BYTES {
        file.push(Diagnostic::file(Problem::FileTooLarge {
            size: bytes.len() as u64,
        }));
        return file;
    }
    let text = match crate::linkage::decode(bytes, None) {
        Ok((text, InputEncoding::Utf8 | InputEncoding::ShiftJis)) => text,
        Err(diagnostic) => {
            file.push(diagnostic);
            return file;
        }
    };
    let mut source = CsvRows::new(&text);
    let mut row = Row::default();
    if !source.next_row(&mut row) {
        file.report(1, None, MemberProblem::MissingColumns);
        return file;
    }
    if !read_header(&mut file, &row) {
        return file;
    }
    let mut seen_numbers: HashMap<String, u32> = HashMap::new();
    let mut seen_emails: HashMap<String, u32> = HashMap::new();
    while source.next_row(&mut row) {
        if row.is_blank() {
            continue;
        }
        file.data_rows += 1;
        if file.data_rows > MAX_MEMBER_ROWS {
            file.push(Diagnostic::file(Problem::TooManyRows {
                max: MAX_MEMBER_ROWS,
            }));
            file.rows.clear();
            return file;
        }
        if let Some(member) = read_row(&mut file, &row) {
            let mut clean = true;
            let keys = [
                (
                    MemberColumn::EmployeeNumber,
                    member.employee_number().map(str::to_owned),
                    &mut seen_numbers,
                ),
                (
                    MemberColumn::Email,
                    member.email().map(str::to_ascii_lowercase),
                    &mut seen_emails,
                ),
            ];
            for (column, key, seen) in keys {
                let Some(key) = key else { continue };
                if let Some(&first_row) = seen.get(&key) {
                    let value = excerpt(key.as_bytes());
                    file.report(
                        member.row,
                        Some(column),
                        MemberProblem::Repeated {
                            column,
                            value,
                            first_row,
                        },
                    );
                    clean = false;
                } else {
                    seen.insert(key, member.row);
                }
            }
            if clean {
                file.rows.push(member);
            }
        }
    }
    if file.data_rows == 0 {
        file.report(2, None, MemberProblem::Empty);
    }
    file
}

/// Reads row 1 into `file.columns`; `false` when the file cannot be read
/// past it.
fn read_header(file: &mut MemberFile, row: &Row) -> bool {
    let mut ok = true;
    for index in 0..row.len() {
        let header = row.text(index).trim_start_matches('\u{feff}');
        let column = index as u32 + 1;
        match MemberColumn::from_header(header) {
            Some(known) => {
                if let Some(first) = file.column_of(known) {
                    file.push(Diagnostic::at(
                        1,
                        Some(column),
                        Problem::Member(MemberProblem::RepeatedColumn {
                            header: excerpt(header.as_bytes()),
                            first_column: first,
                        }),
                    ));
                    ok = false;
                }
                file.columns.push(known);
            }
            None if header.trim().is_empty() && index + 1 == row.len() && index > 0 => {
                // A trailing comma after the last header: Excel writes none,
                // other tools do.
            }
            None => {
                file.push(Diagnostic::at(
                    1,
                    Some(column),
                    Problem::Member(MemberProblem::UnknownColumn {
                        header: excerpt(header.as_bytes()),
                    }),
                ));
                // Keep the position so later columns are still numbered right.
                file.columns.push(MemberColumn::Name);
                ok = false;
            }
        }
    }
    if ok
        && !(file.has(MemberColumn::Name)
            && (file.has(MemberColumn::EmployeeNumber) || file.has(MemberColumn::Email)))
    {
        file.push(Diagnostic::at(
            1,
            None,
            Problem::Member(MemberProblem::MissingColumns),
        ));
        ok = false;
    }
    if !ok {
        file.columns.clear();
    }
    ok
}

/// One data row; `None` (with its problems reported) when it has any.
fn read_row(file: &mut MemberFile, row: &Row) -> Option<MemberRow> {
    let number = row.number();
    let before = file.problem_count;
    let mut member = MemberRow {
        row: number,
        ..MemberRow::default()
    };
    let columns = file.columns.clone();
    for (index, &column) in columns.iter().enumerate() {
        let cell = crate::csv_write::unprotect_str(row.text(index).trim());
        let text = |file: &mut MemberFile, max: usize| -> Option<String> {
            let length = cell.chars().count();
            if length > max {
                file.report(
                    number,
                    Some(column),
                    MemberProblem::TooLong {
                        column,
                        length,
                        max,
                    },
                );
                None
            } else if cell.chars().any(char::is_control) {
                file.report(
                    number,
                    Some(column),
                    MemberProblem::ControlCharacter { column },
                );
                None
            } else {
                Some(cell.to_owned())
            }
        };
        match column {
            MemberColumn::Name => {
                member.name = text(file, MAX_MEMBER_NAME_CHARS);
                if member.name.as_deref() == Some("") {
                    file.report(number, Some(column), MemberProblem::NameBlank);
                }
            }
            MemberColumn::EmployeeNumber => {
                member.employee_number = text(file, MAX_EMPLOYEE_NUMBER_CHARS);
            }
            MemberColumn::Email => {
                if cell.is_empty() || crate::linkage::is_email(cell) {
                    member.email = Some(cell.to_owned());
                } else {
                    let value = excerpt(cell.as_bytes());
                    file.report(number, Some(column), MemberProblem::EmailInvalid { value });
                }
            }
            MemberColumn::Roles => match MemberRoles::parse(cell) {
                Ok(roles) => member.roles = Some(roles),
                Err(word) => {
                    let value = excerpt(word.as_bytes());
                    file.report(number, Some(column), MemberProblem::UnknownRole { value });
                }
            },
            MemberColumn::Groups => {
                let mut groups: Vec<String> = Vec::new();
                for group in cell.split([LIST_SEPARATOR, '；']) {
                    let group = group.trim();
                    if group.is_empty() || groups.iter().any(|g| g == group) {
                        continue;
                    }
                    let length = group.chars().count();
                    if length > MAX_MEMBER_NAME_CHARS {
                        file.report(
                            number,
                            Some(column),
                            MemberProblem::TooLong {
                                column,
                                length,
                                max: MAX_MEMBER_NAME_CHARS,
                            },
                        );
                    }
                    groups.push(group.to_owned());
                }
                if groups.len() > MAX_GROUPS_PER_MEMBER {
                    file.report(
                        number,
                        Some(column),
                        MemberProblem::TooManyGroups {
                            count: groups.len(),
                        },
                    );
                }
                member.groups = Some(groups);
            }
            MemberColumn::State => match parse_state(cell) {
                Ok(state) => member.active = state,
                Err(()) => {
                    let value = excerpt(cell.as_bytes());
                    file.report(number, Some(column), MemberProblem::UnknownState { value });
                }
            },
        }
    }
    if file.problem_count == before
        && member.employee_number().is_none()
        && member.email().is_none()
    {
        let column = if file.has(MemberColumn::EmployeeNumber) {
            MemberColumn::EmployeeNumber
        } else {
            MemberColumn::Email
        };
        file.report(number, Some(column), MemberProblem::KeyBlank);
    }
    if member.roles.is_some_and(|roles| roles.leader)
        && member.groups.as_ref().is_some_and(Vec::is_empty)
    {
        let column = MemberColumn::Groups;
        file.report(number, Some(column), MemberProblem::LeaderWithoutGroup);
    }
    (file.problem_count == before).then_some(member)
}

/// A member as an export writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    /// 氏名.
    pub name: String,
    /// 従業員番号.
    pub employee_number: Option<String>,
    /// メールアドレス.
    pub email: Option<String>,
    /// ロール.
    pub roles: MemberRoles,
    /// Group names.
    pub groups: Vec<String>,
    /// 有効.
    pub active: bool,
}

/// Writes the member file: the header in `lang`, one row per member, with
/// formula protection; read back by [`read_members`] it changes nothing.
/// With Shift_JIS, a name Shift_JIS cannot hold refuses the file (reported
/// by the member's row number as `record`).
pub fn write_members(members: &[MemberRecord], lang: Lang, encoding: OutputEncoding) -> Export {
    let mut writer = crate::linkage::Writer::for_file(
        encoding,
        true,
        Unrepresentable::Refuse,
        members.len() * 80,
    );
    for column in MemberColumn::ALL {
        writer.cell(column.header(lang), true, None);
    }
    writer.end_row();
    for (index, member) in members.iter().enumerate() {
        let row = (index + 2).to_string();
        let groups = member.groups.join(";");
        let roles = member.roles.cell(lang);
        let cells: [(&str, &str); 6] = [
            (member.name.as_str(), "name"),
            (
                member.employee_number.as_deref().unwrap_or(""),
                "employee_number",
            ),
            (member.email.as_deref().unwrap_or(""), "email"),
            (roles.as_str(), "roles"),
            (groups.as_str(), "groups"),
            (state_cell(member.active, lang), "status"),
        ];
        for (value, field) in cells {
            writer.cell(value, true, Some((&row, field)));
        }
        writer.end_row();
    }
    writer.finish(members.len())
}

impl From<MemberProblem> for Problem {
    fn from(problem: MemberProblem) -> Self {
        Problem::Member(problem)
    }
}
