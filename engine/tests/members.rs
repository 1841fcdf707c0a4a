//! The member CSV's rules, one line per case: what a file says, and where
//! each problem is reported.

use sheetlink_engine::Lang;
use sheetlink_engine::linkage::OutputEncoding;
use sheetlink_engine::members::{
    MAX_MEMBER_ROWS, MemberColumn, MemberRecord, MemberRoles, MemberRow, read_members,
    write_members,
};

/// `(code, row, column letter)` of every problem of `file`.
fn problems(file: &str) -> Vec<(String, Option<u32>, Option<String>)> {
    read_members(file.as_bytes())
        .diagnostics
        .iter()
        .map(|d| (d.code().to_owned(), d.row, d.column_letter()))
        .collect()
}

fn one(code: &str, row: u32, column: &str) -> Vec<(String, Option<u32>, Option<String>)> {
    let column = (!column.is_empty()).then(|| column.to_owned());
    vec![(code.to_owned(), Some(row), column)]
}

#[test]
fn each_rule_reports_at_its_row_and_column() {
    let header = "氏名,従業員番号,メールアドレス,ロール,グループ,状態\n";
    let cases: &[(&str, &str, &str, u32, &str)] = &[
        // (what, rows after the header, code, row, column)
        (
            "blank name",
            ",E1,a@example.jp,,,",
            "member.name_blank",
            2,
            "A",
        ),
        ("no key", "山田,,,,,", "member.key_blank", 2, "B"),
        ("bad address", "山田,E1,yamada@,,,", "member.email", 2, "C"),
        (
            "full-width @",
            "山田,E1,yamada＠example.jp,,,",
            "member.email",
            2,
            "C",
        ),
        ("unknown role", "山田,E1,,社長,,", "member.role", 2, "D"),
        ("unknown state", "山田,E1,,,,休職", "member.state", 2, "F"),
        (
            "leader, no group",
            "山田,E1,,グループリーダー,,",
            "member.leader_without_group",
            2,
            "E",
        ),
        (
            "line break in a name",
            "\"山田\n太郎\",E1,,,,",
            "member.control_character",
            2,
            "A",
        ),
        (
            "repeated number",
            "山田,E1,,,,\n佐藤,E1,,,,",
            "member.repeated",
            3,
            "B",
        ),
        (
            "repeated address, any case",
            "山田,E1,a@x.jp,,,\n佐藤,E2,A@X.JP,,,",
            "member.repeated",
            3,
            "C",
        ),
        ("no data", "", "members.empty", 2, ""),
    ];
    for (what, rows, code, row, column) in cases {
        let file = format!("{header}{rows}\n");
        assert_eq!(problems(&file), one(code, *row, column), "{what}");
    }
}

#[test]
fn the_header_names_known_columns_once() {
    let cases: &[(&str, &str, &str, u32, &str)] = &[
        (
            "unknown column",
            "氏名,従業員番号,部署\n山田,E1,営業\n",
            "members.unknown_column",
            1,
            "C",
        ),
        (
            "repeated column",
            "氏名,従業員番号,社員番号\n山田,E1,E1\n",
            "members.repeated_column",
            1,
            "C",
        ),
        (
            "no key column",
            "氏名,ロール\n山田,メンバー\n",
            "members.missing_columns",
            1,
            "",
        ),
        (
            "no name column",
            "従業員番号\nE1\n",
            "members.missing_columns",
            1,
            "",
        ),
    ];
    for (what, file, code, row, column) in cases {
        assert_eq!(problems(file), one(code, *row, column), "{what}");
    }
}

#[test]
fn reads_japanese_or_english_headers_in_any_order_and_encoding() {
    let english = "Email,Name,Employee Number,Roles,Groups,Status\nhanako@example.jp,佐藤花子,E2,Leader; evaluation admin,営業部;東京,inactive\n";
    let japanese = "\u{feff}従業員番号,氏名,メールアドレス,ロール,グループ,状態\r\nE2,佐藤花子,hanako@example.jp,グループリーダー;評価管理者,営業部；東京,無効\r\n";
    let (sjis, _, unmappable) =
        encoding_rs::SHIFT_JIS.encode(japanese.trim_start_matches('\u{feff}'));
    assert!(!unmappable);
    let expected = MemberRow {
        row: 2,
        name: Some("佐藤花子".into()),
        employee_number: Some("E2".into()),
        email: Some("hanako@example.jp".into()),
        roles: Some(MemberRoles {
            evaluation_admin: true,
            crm_admin: false,
            leader: true,
        }),
        groups: Some(vec!["営業部".into(), "東京".into()]),
        active: Some(false),
    };
    for (what, bytes) in [
        ("English", english.as_bytes()),
        ("UTF-8 with BOM", japanese.as_bytes()),
        ("Shift_JIS", &sjis[..]),
    ] {
        let file = read_members(bytes);
        assert!(
            file.diagnostics.is_empty(),
            "{what}: {:?}",
            file.diagnostics
        );
        assert_eq!(file.rows, vec![expected.clone()], "{what}");
    }
}

#[test]
fn a_missing_column_leaves_its_field_alone_and_a_blank_state_changes_nothing() {
    let file = read_members("氏名,メールアドレス,状態\n山田太郎,taro@example.jp,\n".as_bytes());
    assert!(file.diagnostics.is_empty(), "{:?}", file.diagnostics);
    let row = &file.rows[0];
    assert_eq!(
        (&row.employee_number, &row.roles, &row.groups, row.active),
        (&None, &None, &None, None)
    );
    assert_eq!(file.column_of(MemberColumn::State), Some(3));
}

#[test]
fn a_file_of_another_encoding_or_too_many_rows_is_refused_whole() {
    let latin1 = b"\xff\xfe\x00n\x00a";
    assert_eq!(read_members(latin1).diagnostics[0].code(), "file.encoding");
    let mut big = String::from("氏名,従業員番号\n");
    for n in 0..=MAX_MEMBER_ROWS {
        big.push_str(&format!("名前{n},E{n}\n"));
    }
    let file = read_members(big.as_bytes());
    assert_eq!(file.diagnostics[0].code(), "file.too_many_rows");
    assert!(file.rows.is_empty(), "nothing of a refused file is kept");
}

#[test]
fn messages_say_how_to_fix_in_one_language() {
    let file = read_members("氏名,従業員番号,状態\n山田,E1,休職\n".as_bytes());
    let problem = &file.diagnostics[0];
    let ja = problem.message(Lang::Ja);
    let en = problem.message(Lang::En);
    assert!(
        ja.contains("休職") && ja.contains("有効") && ja.contains("無効"),
        "{ja}"
    );
    assert!(en.contains("inactive") && !en.contains("無効"), "{en}");
}

#[test]
fn an_export_reads_back_as_the_same_members() {
    let members = vec![
        MemberRecord {
            name: "=HYPERLINK(\"x\")".into(),
            employee_number: Some("0001".into()),
            email: Some("a@example.jp".into()),
            roles: MemberRoles {
                evaluation_admin: true,
                crm_admin: true,
                leader: false,
            },
            groups: vec![],
            active: true,
        },
        MemberRecord {
            name: "佐藤 花子".into(),
            employee_number: None,
            email: Some("hanako@example.jp".into()),
            roles: MemberRoles {
                leader: true,
                ..MemberRoles::default()
            },
            groups: vec!["営業部".into(), "東京, 本社".into()],
            active: false,
        },
    ];
    for lang in [Lang::Ja, Lang::En] {
        for encoding in [OutputEncoding::Utf8Bom, OutputEncoding::ShiftJis] {
            let export = write_members(&members, lang, encoding);
            assert!(!export.refused());
            let file = read_members(&export.bytes);
            assert!(file.diagnostics.is_empty(), "{:?}", file.diagnostics);
            let back: Vec<MemberRecord> = file
                .rows
                .iter()
                .map(|row| MemberRecord {
                    name: row.name.clone().unwrap_or_default(),
                    employee_number: row.employee_number().map(str::to_owned),
                    email: row.email().map(str::to_owned),
                    roles: row.roles.unwrap_or_default(),
                    groups: row.groups.clone().unwrap_or_default(),
                    active: row.active != Some(false),
                })
                .collect();
            assert_eq!(back, members, "{lang:?} {encoding:?}");
        }
    }
    let export = write_members(&members, Lang::Ja, OutputEncoding::Utf8Bom);
    let text = String::from_utf8(export.bytes).expect("UTF-8");
    assert!(text.starts_with("\u{feff}氏名,従業員番号,メールアドレス,ロール,グループ,状態\r\n"));
    assert!(text.contains("'=HYPERLINK"), "formula protected: {text}");
}
