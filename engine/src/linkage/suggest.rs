//! Auto-mapping: which field each file column probably is, so the import
//! wizard can pre-fill the mapping.

use unicode_normalization::UnicodeNormalization;

use crate::linkage::field::Field;

/// How a suggestion was found, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchKind {
    /// The header is the field's label or id, exactly.
    Exact,
    /// Equal after Unicode NFKC (full-width → half-width), case folding and
    /// dropping spaces and separators (`顧客 ＩＤ` = `顧客id`).
    Normalized,
    /// Similar text (Jaro-Winkler on the normalized forms).
    Similar,
}

/// A suggested mapping of one file column.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// 0-based file column.
    pub column: usize,
    /// The header cell.
    pub header: String,
    /// The suggested field id.
    pub field: String,
    /// How sure the suggestion is, from 0 to 1 (1 for exact matches).
    pub confidence: f32,
    /// How it was found.
    pub kind: MatchKind,
}

/// Similar matches below this confidence are not suggested.
pub const MIN_CONFIDENCE: f32 = 0.75;

/// NFKC, lower case, without white space and the separators people put in
/// headers (`_`, `-`, `・`, `/`, `(`, `)`, `（`, `）`).
pub fn normalize_label(text: &str) -> String {
    text.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| {
            !c.is_whitespace() && !matches!(c, '_' | '-' | '・' | '/' | '(' | ')' | '（' | '）')
        })
        .collect()
}

/// Suggests a field for each header: exact matches first, then normalized
/// ones, then similar ones by decreasing confidence; each field and each
/// column is used at most once. Columns without a good candidate get no
/// suggestion. Suggestions are returned in column order.
pub fn suggest_mapping(headers: &[String], fields: &[Field]) -> Vec<Suggestion> {
    let normalized_headers: Vec<String> = headers.iter().map(|h| normalize_label(h)).collect();
    let normalized_fields: Vec<(String, String)> = fields
        .iter()
        .map(|f| (normalize_label(&f.label), normalize_label(&f.id)))
        .collect();

    let mut candidates = Vec::new();
    for (column, header) in headers.iter().enumerate() {
        if header.trim().is_empty() {
            continue;
        }
        for (index, field) in fields.iter().enumerate() {
            let (label, id) = &normalized_fields[index];
            let trimmed = header.trim();
            let (kind, confidence) = if trimmed == field.label || trimmed == field.id {
                (MatchKind::Exact, 1.0)
            } else if normalized_headers[column] == *label || normalized_headers[column] == *id {
                (MatchKind::Normalized, 0.95)
            } else {
                let header = &normalized_headers[column];
                let score =
                    strsim::jaro_winkler(header, label).max(strsim::jaro_winkler(header, id));
                (MatchKind::Similar, (score * 0.9) as f32)
            };
            if kind != MatchKind::Similar || confidence >= MIN_CONFIDENCE {
                candidates.push((kind, confidence, column, index));
            }
        }
    }
    // Strongest first; ties go to the leftmost column, then the first field.
    candidates.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.1.total_cmp(&a.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    let mut column_taken = vec![false; headers.len()];
    let mut field_taken = vec![false; fields.len()];
    let mut suggestions = Vec::new();
    for (kind, confidence, column, index) in candidates {
        if column_taken[column] || field_taken[index] {
            continue;
        }
        column_taken[column] = true;
        field_taken[index] = true;
        suggestions.push(Suggestion {
            column,
            header: headers[column].clone(),
            field: fields[index].id.clone(),
            confidence,
            kind,
        });
    }
    suggestions.sort_by_key(|s| s.column);
    suggestions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linkage::field::FieldType;

    #[test]
    fn normalizes_width_case_and_separators() {
        let cases = [
            ("顧客 ＩＤ", "顧客id"),
            ("E-Mail", "email"),
            ("電話番号（代表）", "電話番号代表"),
            ("ｶﾅ", "カナ"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_label(input), expected, "{input}");
        }
    }

    #[test]
    fn suggests_exact_then_normalized_then_similar() {
        let fields = vec![
            Field::new("customer_id", "顧客ID", FieldType::Text),
            Field::new("name", "顧客名", FieldType::Text),
            Field::new("email", "メールアドレス", FieldType::Email),
            Field::new("phone", "電話番号", FieldType::Phone),
        ];
        let headers: Vec<String> = ["顧客ＩＤ", "顧客名", "メール アドレス", "備考", "電話番号1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let got: Vec<(usize, String, MatchKind)> = suggest_mapping(&headers, &fields)
            .into_iter()
            .map(|s| (s.column, s.field, s.kind))
            .collect();
        assert_eq!(
            got,
            [
                (0, "customer_id".to_owned(), MatchKind::Normalized),
                (1, "name".to_owned(), MatchKind::Exact),
                (2, "email".to_owned(), MatchKind::Normalized),
                (4, "phone".to_owned(), MatchKind::Similar),
            ]
        );
    }
}
