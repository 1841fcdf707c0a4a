//! Members in bulk: what a member file (read by the engine,
//! `sheetlink_engine::members`) does to the tenant's members, checked
//! (the dry run) and applied in one transaction.
//!
//! - A row is the member whose employee number it names, else whose
//!   address; a row naming one member's number and another's address is a
//!   problem, never a guess.
//! - Only the columns in the file change; a blank cell clears its field;
//!   only an explicit 無効 deactivates, only an explicit 有効 activates.
//!   Members missing from the file are left alone unless the admin asks for
//!   full sync, which deactivates them (never the admin importing).
//! - Groups are named by name (or id); a name no group has makes a new
//!   group, which the dry run lists. A file cannot say a leader's scope: a
//!   leader keeps theirs, and one who becomes a leader leads the groups
//!   they are in, in no period until the account screen gives them some
//!   (the dry run names them).
//! - A new member signs in with their address (else their employee number,
//!   when it is usable as a login id) and gets a set-up link — no password
//!   is hashed during an import, so 10,000 members take seconds, not hours.
//! - Any problem refuses the whole file: nothing of it is applied. The apply
//!   names the plan it was shown (a fingerprint of every write); if the
//!   members changed since, the plan differs and nothing is applied.

use std::collections::{BTreeSet, HashMap, HashSet};

use sha2::{Digest as _, Sha256};
use sheetlink_engine::Lang;
use sheetlink_engine::linkage::OutputEncoding;
use sheetlink_engine::members::{
    MemberColumn, MemberFile, MemberProblem, MemberRecord, MemberRoles, MemberRow, read_members,
    write_members,
};
use sheetlink_protocol::accounts::{AuditAction, LeaderScope, Roles};
use sheetlink_protocol::evaluation::ImportError;
use sheetlink_protocol::naming::{IdKind, check_id, login_key};
use sheetlink_protocol::organisation::{
    MAX_LISTED_MEMBER_CHANGES, MemberChange, MemberCounts, MemberExportOptions, MemberImport,
    MemberImportOptions, MemberOutcome, NewMemberLink,
};

use super::require_admin;
use crate::Config;
use crate::accounts::{audit_entry, describe_roles, issue_link, named};
use crate::auth::Caller;
use crate::error::AppError;
use crate::model::{Group, Member};
use crate::store::{MemberWrites, Organisation, OrganisationEdits};

/// The member list as a file (evaluation admins): the same columns an
/// import reads, so an untouched export imports as "unchanged".
pub fn export(
    store: &impl Organisation,
    caller: &Caller,
    options: MemberExportOptions,
) -> Result<Vec<u8>, AppError> {
    require_admin(caller)?;
    let groups: HashMap<String, String> = store
        .groups(&caller.tenant)?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let records: Vec<MemberRecord> = store
        .members(&caller.tenant)?
        .iter()
        .map(|member| MemberRecord {
            name: member.name.clone(),
            employee_number: member.employee_number.clone(),
            email: member.email.clone(),
            roles: MemberRoles {
                evaluation_admin: member.roles.evaluation_admin,
                crm_admin: member.roles.crm_admin,
                leader: member.roles.leader.is_some(),
            },
            groups: member
                .groups
                .iter()
                .map(|id| groups.get(id).cloned().unwrap_or_else(|| id.clone()))
                .collect(),
            active: member.active,
        })
        .collect();
    let lang = if options.english { Lang::En } else { Lang::Ja };
    let encoding = if options.shift_jis {
        OutputEncoding::ShiftJis
    } else {
        OutputEncoding::Utf8Bom
    };
    let written = write_members(&records, lang, encoding);
    if let Some(cell) = written.unrepresentable.first() {
        let row = &cell.record;
        let character = cell.character;
        return Err(AppError::conflict(
            "not_shift_jis",
            format!(
                "{row}行目の「{character}」はShift_JISで書けません。UTF-8でエクスポートしてください。"
            ),
            format!(
                "\"{character}\" in row {row} cannot be written in Shift_JIS: export as UTF-8."
            ),
        ));
    }
    Ok(written.bytes)
}

/// Checks a member file and, with `options.apply`, applies it.
pub fn import(
    store: &(impl Organisation + OrganisationEdits),
    config: &Config,
    caller: &Caller,
    bytes: &[u8],
    options: &MemberImportOptions,
) -> Result<MemberImport, AppError> {
    require_admin(caller)?;
    let file = read_members(bytes);
    if !options.apply {
        let members = store.members(&caller.tenant)?;
        let groups = store.groups(&caller.tenant)?;
        return Ok(plan(file, &members, &groups, caller, options.full_sync).answer);
    }
    store.import_members(&caller.tenant, |members, groups| {
        let Planned {
            mut answer,
            mut writes,
            created,
        } = plan(file, members, groups, caller, options.full_sync);
        if answer.error_count > 0 {
            return Err(AppError::bad_request(
                "member_file_has_problems",
                format!("ファイルに{}件の問題があるため、何も反映していません。直してからもう一度確認してください。", answer.error_count),
                format!("The file has {} problems, so nothing was applied. Fix them and check it again.", answer.error_count),
            ));
        }
        if options.plan.as_deref() != Some(answer.plan.as_str()) {
            return Err(AppError::conflict(
                "members_changed",
                "確認した後にメンバーが変わったため、何も反映していません。もう一度確認してから反映してください。",
                "The members changed since the check, so nothing was applied. Check the file again, then apply.",
            ));
        }
        answer.links = issue_links(config, &caller.tenant, &mut writes, &created)?;
        answer.applied = true;
        Ok((answer, writes))
    })
}

/// Gives every new member who can sign in a set-up link.
fn issue_links(
    config: &Config,
    tenant: &str,
    writes: &mut MemberWrites,
    created: &HashSet<String>,
) -> Result<Vec<NewMemberLink>, AppError> {
    let mut links = Vec::new();
    for member in writes.members.iter_mut() {
        if !created.contains(&member.id) || member.login_id.is_none() || !member.active {
            continue;
        }
        let (grant, link, mail) = issue_link(config, tenant, member)?;
        member.setup_link = Some(grant.0.clone());
        links.push(NewMemberLink {
            name: member.name.clone(),
            login: member.login_id.clone().unwrap_or_default(),
            url: link.url,
            emailed: link.emailed,
            expires_at: link.expires_at,
        });
        writes.grants.push(grant);
        writes.mails.extend(mail);
    }
    Ok(links)
}

/// A planned member file: the answer (without links), the writes, and the
/// ids of the members it creates.
struct Planned {
    answer: MemberImport,
    writes: MemberWrites,
    created: HashSet<String>,
}

/// What the file does to `members` and `groups`.
fn plan(
    mut file: MemberFile,
    members: &[Member],
    groups: &[Group],
    caller: &Caller,
    full_sync: bool,
) -> Planned {
    let mut planner = Planner::new(members, groups, caller);
    let rows = std::mem::take(&mut file.rows);
    for row in &rows {
        planner.row(&mut file, row);
    }
    if full_sync && file.problem_count == 0 {
        planner.sync();
    }
    planner.finish(file, full_sync)
}

struct Planner<'a> {
    members: &'a [Member],
    by_number: HashMap<&'a str, usize>,
    by_email: HashMap<String, usize>,
    logins: HashSet<String>,
    group_ids: HashMap<&'a str, &'a str>,
    new_groups: Vec<Group>,
    taken_ids: HashSet<String>,
    /// Members a row has named already, with that row.
    seen: HashMap<usize, u32>,
    created: HashSet<String>,
    caller: &'a Caller,
    writes: MemberWrites,
    changes: Vec<MemberChange>,
    counts: MemberCounts,
    new_leaders: Vec<String>,
}

impl<'a> Planner<'a> {
    fn new(members: &'a [Member], groups: &'a [Group], caller: &'a Caller) -> Self {
        let mut group_ids: HashMap<&str, &str> = HashMap::new();
        for group in groups {
            group_ids.insert(group.id.as_str(), group.id.as_str());
        }
        // A name wins over an id that happens to read the same.
        for group in groups {
            group_ids.insert(group.name.as_str(), group.id.as_str());
        }
        Planner {
            members,
            by_number: members
                .iter()
                .enumerate()
                .filter_map(|(i, m)| Some((m.employee_number.as_deref()?, i)))
                .collect(),
            by_email: members
                .iter()
                .enumerate()
                .filter_map(|(i, m)| Some((m.email.as_deref()?.to_ascii_lowercase(), i)))
                .collect(),
            logins: members.iter().filter_map(|m| m.login_id.clone()).collect(),
            group_ids,
            new_groups: Vec::new(),
            taken_ids: members
                .iter()
                .map(|m| m.id.clone())
                .chain(groups.iter().map(|g| format!("group:{}", g.id)))
                .collect(),
            seen: HashMap::new(),
            created: HashSet::new(),
            caller,
            writes: MemberWrites::default(),
            changes: Vec::new(),
            counts: MemberCounts::default(),
            new_leaders: Vec::new(),
        }
    }

    /// The group ids of the names in a row, creating groups for new names.
    fn group_ids(&mut self, names: &[String]) -> Vec<String> {
        names
            .iter()
            .map(|name| {
                if let Some(id) = self.group_ids.get(name.as_str()) {
                    return id.to_string();
                }
                if let Some(group) = self.new_groups.iter().find(|g| &g.name == name) {
                    return group.id.clone();
                }
                let id = (self.new_groups.len() + 1..)
                    .map(|n| format!("g{n:03}"))
                    .find(|id| !self.taken_ids.contains(&format!("group:{id}")))
                    .unwrap_or_default();
                self.taken_ids.insert(format!("group:{id}"));
                self.new_groups.push(Group {
                    id: id.clone(),
                    name: name.clone(),
                });
                id
            })
            .collect()
    }

    fn row(&mut self, file: &mut MemberFile, row: &MemberRow) {
        let by_number = row
            .employee_number()
            .and_then(|n| self.by_number.get(n).copied());
        let by_email = row
            .email()
            .and_then(|e| self.by_email.get(&e.to_ascii_lowercase()).copied());
        let target = match (by_number, by_email) {
            (Some(a), Some(b)) if a != b => {
                file.report(
                    row.row,
                    Some(MemberColumn::Email),
                    MemberProblem::KeysOfTwoMembers {
                        by_number: self.members[a].name.clone(),
                        by_email: self.members[b].name.clone(),
                    },
                );
                return;
            }
            (Some(a), _) | (None, Some(a)) => Some(a),
            (None, None) => None,
        };
        // A row that names no employee number but an address another member
        // has is that member's row (found above); one that clears the
        // address of a member matched by number is fine.
        match target {
            Some(index) => self.update(file, row, index),
            None => self.create(file, row),
        }
    }

    /// The roles a row gives: a leader keeps the scope they had (a file
    /// cannot say it); one who becomes a leader leads `groups` (theirs) in
    /// no period yet.
    fn roles_for(&self, roles: MemberRoles, groups: &[String], old: Option<&Roles>) -> Roles {
        let kept = old.and_then(|r| r.leader.clone());
        Roles {
            evaluation_admin: roles.evaluation_admin,
            crm_admin: roles.crm_admin,
            leader: roles.leader.then(|| {
                kept.unwrap_or_else(|| LeaderScope {
                    groups: groups.to_vec(),
                    periods: Vec::new(),
                })
            }),
        }
    }

    fn update(&mut self, file: &mut MemberFile, row: &MemberRow, index: usize) {
        let old = &self.members[index];
        if let Some(&first_row) = self.seen.get(&index) {
            // Two rows of the file are one member (by number in one, by
            // address in the other).
            let (column, value) = match row.employee_number() {
                Some(number) if old.employee_number.as_deref() == Some(number) => {
                    (MemberColumn::EmployeeNumber, number)
                }
                _ => (MemberColumn::Email, row.email().unwrap_or_default()),
            };
            file.report(
                row.row,
                Some(column),
                MemberProblem::Repeated {
                    column,
                    value: value.to_owned(),
                    first_row,
                },
            );
            return;
        }
        self.seen.insert(index, row.row);
        let mut new = old.clone();
        let mut fields = Vec::new();
        if let Some(name) = &row.name
            && *name != old.name
        {
            new.name = name.clone();
            fields.push(MemberColumn::Name);
        }
        if let Some(number) = &row.employee_number {
            let number = (!number.is_empty()).then(|| number.clone());
            if number != old.employee_number {
                new.employee_number = number;
                fields.push(MemberColumn::EmployeeNumber);
            }
        }
        if let Some(email) = &row.email {
            let email = (!email.is_empty()).then(|| email.clone());
            if email != old.email {
                new.email = email;
                fields.push(MemberColumn::Email);
            }
        }
        if let Some(names) = &row.groups {
            let ids = self.group_ids(names);
            if ids != old.groups {
                new.groups = ids;
                fields.push(MemberColumn::Groups);
            }
        }
        let mut access_changed = false;
        if let Some(roles) = row.roles {
            let roles = self.roles_for(roles, &new.groups, Some(&old.roles));
            if roles != old.roles {
                if roles.leader.as_ref().is_some_and(|s| s.periods.is_empty()) {
                    self.new_leaders.push(new.name.clone());
                }
                new.roles = roles;
                fields.push(MemberColumn::Roles);
                access_changed = true;
            }
        }
        if let Some(active) = row.active
            && active != old.active
        {
            new.active = active;
            fields.push(MemberColumn::State);
            access_changed = true;
        }
        let own = old.id == self.caller.member.id;
        if own && (!new.active || !new.roles.evaluation_admin) {
            file.report(row.row, Some(MemberColumn::Roles), MemberProblem::OwnAccess);
            return;
        }
        match (old.active, new.active) {
            (false, true) => self.counts.reactivated += 1,
            (true, false) => self.counts.deactivated += 1,
            _ => {}
        }
        if let Some(email) = new.email.as_deref()
            && let Some(&other) = self.by_email.get(&email.to_ascii_lowercase())
            && other != index
        {
            file.report(
                row.row,
                Some(MemberColumn::Email),
                MemberProblem::EmailTaken {
                    value: email.to_owned(),
                    member: self.members[other].name.clone(),
                },
            );
            return;
        }
        if fields.is_empty() {
            self.counts.unchanged += 1;
            self.list(row.row, MemberOutcome::Unchanged, &new, fields, None);
            return;
        }
        if access_changed {
            new.access += 1;
        }
        self.audit_access(old, &new);
        self.counts.updated += 1;
        self.list(row.row, MemberOutcome::Updated, &new, fields, None);
        self.writes.members.push(new);
    }

    fn create(&mut self, file: &mut MemberFile, row: &MemberRow) {
        let name = row.name.clone().unwrap_or_default();
        let login = row
            .email()
            .map(login_key)
            .filter(|l| check_id(IdKind::Login, l).is_ok())
            .or_else(|| {
                row.employee_number()
                    .map(login_key)
                    .filter(|l| check_id(IdKind::Login, l).is_ok())
            });
        if let Some(login) = &login
            && !self.logins.insert(login.clone())
        {
            file.report(
                row.row,
                Some(if row.email().is_some() {
                    MemberColumn::Email
                } else {
                    MemberColumn::EmployeeNumber
                }),
                MemberProblem::LoginTaken {
                    login: login.clone(),
                },
            );
            return;
        }
        let id = row
            .employee_number()
            .filter(|n| check_id(IdKind::Member, n).is_ok() && !self.taken_ids.contains(*n))
            .map(str::to_owned)
            .unwrap_or_else(|| {
                (self.members.len() + self.counts.created as usize + 1..)
                    .map(|n| format!("m{n:05}"))
                    .find(|id| !self.taken_ids.contains(id))
                    .unwrap_or_default()
            });
        self.taken_ids.insert(id.clone());
        let groups = row
            .groups
            .as_deref()
            .map(|names| self.group_ids(names))
            .unwrap_or_default();
        let roles = self.roles_for(row.roles.unwrap_or_default(), &groups, None);
        if roles.leader.is_some() {
            self.new_leaders.push(name.clone());
        }
        let member = Member {
            login_id: login.clone(),
            employee_number: row.employee_number().map(str::to_owned),
            email: row.email().map(str::to_owned),
            groups,
            roles,
            active: row.active != Some(false),
            ..Member::new(&id, &name)
        };
        let mut fields: Vec<MemberColumn> = vec![MemberColumn::Name];
        if member.employee_number.is_some() {
            fields.push(MemberColumn::EmployeeNumber);
        }
        if member.email.is_some() {
            fields.push(MemberColumn::Email);
        }
        if member.roles != Roles::default() {
            fields.push(MemberColumn::Roles);
        }
        if !member.groups.is_empty() {
            fields.push(MemberColumn::Groups);
        }
        if !member.active {
            fields.push(MemberColumn::State);
        }
        let mut entry = named(
            audit_entry(
                self.caller,
                AuditAction::MemberCreated,
                &id,
                describe_roles(&member.roles),
            ),
            &member.name,
        );
        entry.roles = Some(member.roles.clone());
        self.writes.audit.push(entry);
        self.counts.created += 1;
        self.created.insert(id);
        self.list(row.row, MemberOutcome::Created, &member, fields, login);
        self.writes.members.push(member);
    }

    /// Audit entries of what changes a member's access.
    fn audit_access(&mut self, old: &Member, new: &Member) {
        if new.roles != old.roles {
            let mut entry = named(
                audit_entry(
                    self.caller,
                    AuditAction::RolesChanged,
                    &new.id,
                    describe_roles(&new.roles),
                ),
                &new.name,
            );
            entry.roles = Some(new.roles.clone());
            self.writes.audit.push(entry);
        }
        if new.active != old.active {
            let action = if new.active {
                AuditAction::MemberReactivated
            } else {
                AuditAction::MemberDeactivated
            };
            self.writes.audit.push(named(
                audit_entry(self.caller, action, &new.id, String::new()),
                &new.name,
            ));
        }
    }

    /// Full sync: every active member no row named is deactivated (never
    /// the admin importing).
    fn sync(&mut self) {
        for (index, member) in self.members.iter().enumerate() {
            if self.seen.contains_key(&index)
                || !member.active
                || member.id == self.caller.member.id
            {
                continue;
            }
            let mut new = member.clone();
            new.active = false;
            new.access += 1;
            self.audit_access(member, &new);
            self.counts.deactivated_by_sync += 1;
            self.list(
                None,
                MemberOutcome::Deactivated,
                &new,
                vec![MemberColumn::State],
                None,
            );
            self.writes.members.push(new);
        }
    }

    fn list(
        &mut self,
        row: impl Into<Option<u32>>,
        outcome: MemberOutcome,
        member: &Member,
        fields: Vec<MemberColumn>,
        login: Option<String>,
    ) {
        if self.changes.len() < MAX_LISTED_MEMBER_CHANGES && outcome != MemberOutcome::Unchanged {
            self.changes.push(MemberChange {
                row: row.into(),
                outcome,
                name: member.name.clone(),
                key: member.evaluatee_key().unwrap_or_default().to_owned(),
                fields,
                login,
            });
        }
    }

    fn finish(mut self, file: MemberFile, full_sync: bool) -> Planned {
        let planned = self.counts.created + self.counts.updated + self.counts.unchanged;
        self.counts.rows = file.data_rows;
        self.counts.failed = file.data_rows.saturating_sub(planned);
        if file.problem_count > 0 {
            // Nothing of a file with problems is applied.
            self.writes = MemberWrites::default();
            self.new_groups.clear();
        }
        let plan = fingerprint(&self.writes, &self.new_groups, full_sync);
        let mut summary = audit_entry(self.caller, AuditAction::MembersImported, "", String::new());
        summary.members = Some(self.counts);
        self.writes.audit.push(summary);
        let new_groups: Vec<String> = self.new_groups.iter().map(|g| g.name.clone()).collect();
        self.writes.groups = std::mem::take(&mut self.new_groups);
        let errors = file
            .diagnostics
            .iter()
            .map(|d| ImportError {
                row: d.row,
                column: d.column,
                column_letter: d.column_letter(),
                code: d.code().to_owned(),
                message: d.message(Lang::Ja),
                message_en: d.message(Lang::En),
            })
            .collect();
        let leaders: BTreeSet<String> = self.new_leaders.into_iter().collect();
        Planned {
            answer: MemberImport {
                applied: false,
                full_sync,
                plan,
                counts: self.counts,
                changes: self.changes,
                new_groups,
                leaders_without_periods: leaders.into_iter().collect(),
                errors,
                error_count: file.problem_count as u32,
                links: Vec::new(),
            },
            writes: self.writes,
            created: self.created,
        }
    }
}

/// A fingerprint of every write a plan makes (set-up links aside, which are
/// made only when it is applied).
fn fingerprint(writes: &MemberWrites, groups: &[Group], full_sync: bool) -> String {
    let mut hasher = Sha256::new();
    hasher.update([u8::from(full_sync)]);
    for member in &writes.members {
        hasher.update(serde_json::to_vec(member).unwrap_or_default());
        hasher.update([0]);
    }
    for group in groups {
        hasher.update(serde_json::to_vec(group).unwrap_or_default());
        hasher.update([0]);
    }
    crate::ids::hex(&hasher.finalize())[..32].to_owned()
}
