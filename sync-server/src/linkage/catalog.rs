//! The tenant's catalog: the standard CRM with what the tenant added —
//! extension sheets, custom fields on the standard sheets, more dropdown
//! options. Every CRM path of the server reads the tenant's catalog
//! through [`tenant_catalog`]. Saving additions is checked against the
//! records in the same transaction: a field holding values cannot be
//! removed or change type (or where a relation points), an option in use
//! cannot disappear, a sheet with records cannot be removed — each refusal
//! names the field, the option and how many records hold it.

use sheetlink_engine::linkage::{Catalog, CatalogAdditions, Field, crm_catalog};
use sheetlink_protocol::accounts::AuditAction;

use crate::accounts::audit_entry;
use crate::auth::Caller;
use crate::error::AppError;
use crate::store::{FieldUsage, Linkage};

/// The standard CRM with the tenant's additions.
pub fn tenant_catalog(store: &impl Linkage, tenant: &str) -> Result<Catalog, AppError> {
    let additions = store.catalog_additions(tenant)?;
    crm_catalog()
        .with_additions(&additions)
        .map_err(|problems| {
            // Saved additions were checked when saved; a standard catalog that
            // has since taken one of their ids is a bug of this build.
            AppError::internal(format!(
                "stored catalog additions no longer apply: {problems:?}"
            ))
        })
}

fn refused(problems: &[sheetlink_engine::linkage::AdditionProblem]) -> AppError {
    AppError::bad_request_lines("catalog_invalid", problems, |p, lang| p.message(lang))
}

fn in_use(ja: String, en: String) -> AppError {
    AppError::conflict("catalog_in_use", ja, en)
}

/// Whether `new` may replace `old` for `field` of sheet `sheet` given what
/// the records hold.
fn check_field(
    usage: &dyn FieldUsage,
    sheet: &str,
    old: &Field,
    new: Option<&Field>,
) -> Result<(), AppError> {
    let changed_kind = new.is_none_or(|new| {
        new.field_type != old.field_type || new.relation_sheet != old.relation_sheet
    });
    if changed_kind {
        let holding = usage.holding(sheet, &old.id)?;
        if holding > 0 {
            let what = if new.is_none() {
                ("削除", "removed")
            } else {
                ("種類の変更", "changed in type")
            };
            return Err(in_use(
                format!(
                    "項目「{}」は{holding}件のレコードが値を持っているため、{}できません。先に値を空にしてください。",
                    old.label, what.0
                ),
                format!(
                    "The field \"{}\" holds values in {holding} records, so it cannot be {}: empty them first.",
                    old.label, what.1
                ),
            ));
        }
        return Ok(());
    }
    let Some(new) = new else { return Ok(()) };
    for option in old.options.iter().filter(|o| !new.options.contains(o)) {
        let holding = usage.holding_value(sheet, &old.id, option)?;
        if holding > 0 {
            return Err(in_use(
                format!(
                    "項目「{}」の選択肢「{option}」は{holding}件のレコードで使われているため、削除できません。",
                    old.label
                ),
                format!(
                    "The option \"{option}\" of \"{}\" is used by {holding} records, so it cannot be removed.",
                    old.label
                ),
            ));
        }
    }
    Ok(())
}

/// Saves the tenant's additions (CRM admins): checked as a catalog, then
/// against the records, with the audit entry, in one transaction. Answers
/// the tenant's catalog as it now is.
pub fn save(
    store: &impl Linkage,
    caller: &Caller,
    additions: CatalogAdditions,
) -> Result<Catalog, AppError> {
    super::api::require_admin(caller)?;
    let standard = crm_catalog();
    let named = additions.name_problems();
    if !named.is_empty() {
        return Err(refused(&named));
    }
    let new = standard
        .with_additions(&additions)
        .map_err(|problems| refused(&problems))?;
    store.update_catalog_additions(&caller.tenant, |stored, usage| {
        if additions.revision != stored.revision {
            return Err(AppError::conflict(
                "catalog_changed",
                "CRMの項目は、この画面を開いた後に別の管理者が保存しています。画面を読み込み直し、変更をもう一度行ってから保存してください（今の変更は保存していません）。",
                "Another admin saved the CRM fields after this screen was opened. Reload it and make your change again, then save (nothing of this change was saved).",
            )
            .with("revision", stored.revision));
        }
        let old = standard
            .with_additions(stored)
            .map_err(|problems| AppError::internal(format!("{problems:?}")))?;
        for old_sheet in &old.sheets {
            let new_sheet = new.sheet(&old_sheet.id);
            if new_sheet.is_none() {
                let records = usage.records(&old_sheet.id)?;
                if records > 0 {
                    return Err(in_use(
                        format!(
                            "シート「{}」には{records}件のレコードがあるため、削除できません。",
                            old_sheet.name
                        ),
                        format!(
                            "The sheet \"{}\" has {records} records, so it cannot be removed.",
                            old_sheet.name
                        ),
                    ));
                }
                continue;
            }
            for field in &old_sheet.fields {
                check_field(
                    usage,
                    &old_sheet.id,
                    field,
                    new_sheet.and_then(|s| s.field(&field.id)),
                )?;
            }
        }
        *stored = CatalogAdditions {
            revision: stored.revision + 1,
            ..additions
        };
        Ok(audit_entry(
            caller,
            AuditAction::CatalogChanged,
            "catalog",
            String::new(),
        ))
    })?;
    Ok(new)
}
