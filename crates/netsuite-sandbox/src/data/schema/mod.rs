//! The sandbox's record types: one table of fields per REST record type, mapping REST (camelCase) names to
//! SuiteQL columns. The same table drives the record service, the `q` filter and the metadata catalog.

mod ddl;
mod record_types;

pub use ddl::DDL;
pub use record_types::RECORD_TYPES;

/// What kind of value a field holds; decides the REST JSON form, `q` operators and the JSON Schema type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text.
    Text,
    /// An e-mail address (text).
    Email,
    /// A phone number (text).
    Phone,
    /// `T`/`F` in SuiteQL, `true`/`false` in REST.
    Bool,
    /// Whole number.
    Integer,
    /// Decimal number (quantities, rates, exchange rates).
    Float,
    /// Money amount.
    Currency,
    /// Calendar date, stored `YYYY-MM-DD`.
    Date,
    /// Timestamp, stored `YYYY-MM-DD HH:MM:SS` (UTC).
    DateTime,
    /// Reference to another record (stored as its internal id).
    Ref(Target),
    /// Transaction status, stored `Type:Letter` (e.g. `CustInvc:A`).
    Status,
}

/// What a reference field points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Any entity (customer, vendor, employee, contact) — they share one id sequence.
    Entity,
    /// A customer.
    Customer,
    /// A vendor.
    Vendor,
    /// An employee.
    Employee,
    /// A subsidiary.
    Subsidiary,
    /// A currency.
    Currency,
    /// An item.
    Item,
}

impl Target {
    /// The SQLite table (or view) holding the target, and the column shown as its display value.
    pub fn table_and_display(self) -> (&'static str, &'static str) {
        match self {
            Target::Entity | Target::Customer | Target::Vendor | Target::Employee => {
                ("entity", "entityid")
            }
            Target::Subsidiary => ("subsidiary", "name"),
            Target::Currency => ("currency", "name"),
            Target::Item => ("item", "itemid"),
        }
    }

    /// The metadata-catalog name of the target record type.
    pub fn record_type(self) -> &'static str {
        match self {
            Target::Entity | Target::Customer => "customer",
            Target::Vendor => "vendor",
            Target::Employee => "employee",
            Target::Subsidiary => "subsidiary",
            Target::Currency => "currency",
            Target::Item => "inventoryitem",
        }
    }
}

/// One body field of a record type.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// REST name (camelCase; custom fields keep their lowercase script id).
    pub name: &'static str,
    /// SQLite / SuiteQL column.
    pub column: &'static str,
    /// Value kind.
    pub kind: Kind,
    /// Label shown in metadata.
    pub title: &'static str,
    /// Computed or system-set: ignored on writes.
    pub read_only: bool,
    /// Must have a value on create (NetSuite answers `USER_ERROR` "Please enter value(s) for: ...").
    pub mandatory: bool,
    /// A `custentity_*` / `custbody_*` field.
    pub custom: bool,
}

/// A sublist (e.g. the `item` lines of a sales order), stored in its own table.
#[derive(Debug, Clone, Copy)]
pub struct Sublist {
    /// REST name, e.g. `item`.
    pub name: &'static str,
    /// Label in metadata.
    pub title: &'static str,
    /// Table holding the lines.
    pub table: &'static str,
    /// Column pointing at the parent record.
    pub parent_column: &'static str,
    /// Line fields.
    pub fields: &'static [Field],
}

/// One REST record type.
#[derive(Debug, Clone, Copy)]
pub struct RecordType {
    /// Canonical REST name (lowercase).
    pub name: &'static str,
    /// Label in metadata.
    pub title: &'static str,
    /// SQLite / SuiteQL table.
    pub table: &'static str,
    /// Discriminator column and value when several record types share a table (transactions, items).
    pub discriminator: Option<(&'static str, &'static str)>,
    /// Body fields (the internal `id` is implicit).
    pub fields: &'static [Field],
    /// Sublists.
    pub sublists: &'static [Sublist],
    /// Whether ids come from the shared entity sequence.
    pub is_entity: bool,
}

impl RecordType {
    /// Looks a body field up by REST name, case-insensitively.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Looks a sublist up by REST name, case-insensitively.
    pub fn sublist(&self, name: &str) -> Option<&'static Sublist> {
        self.sublists
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// The transaction type code (`SalesOrd`, ...) for transaction record types.
    pub fn tran_type(&self) -> Option<&'static str> {
        match self.discriminator {
            Some(("type", v)) => Some(v),
            _ => None,
        }
    }
}

/// Looks a record type up by REST name (case-insensitive, as NetSuite's are).
pub fn record_type(name: &str) -> Option<&'static RecordType> {
    RECORD_TYPES
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(name))
}

/// Display name of a transaction type code, as `BUILTIN.DF(type)` shows it.
pub fn tran_type_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "SalesOrd" => "Sales Order",
        "CustInvc" => "Invoice",
        "VendBill" => "Bill",
        "CustPymt" => "Payment",
        _ => return None,
    })
}

/// The status letters each transaction type may have, with their display names.
pub fn statuses(tran_type: &str) -> &'static [(&'static str, &'static str)] {
    match tran_type {
        "SalesOrd" => &[
            ("A", "Pending Approval"),
            ("B", "Pending Fulfillment"),
            ("C", "Cancelled"),
            ("D", "Partially Fulfilled"),
            ("E", "Pending Billing/Partially Fulfilled"),
            ("F", "Pending Billing"),
            ("G", "Billed"),
            ("H", "Closed"),
        ],
        "CustInvc" => &[("A", "Open"), ("B", "Paid In Full")],
        "VendBill" => &[
            ("A", "Open"),
            ("B", "Paid In Full"),
            ("D", "Pending Approval"),
        ],
        "CustPymt" => &[
            ("A", "Unapproved Payment"),
            ("B", "Not Deposited"),
            ("C", "Deposited"),
        ],
        _ => &[],
    }
}

/// Display name of a stored `Type:Letter` status, e.g. `CustInvc:A` → `("A", "Open")`.
pub fn status_parts(stored: &str) -> Option<(&str, &'static str)> {
    let (ty, letter) = stored.split_once(':')?;
    let name = statuses(ty)
        .iter()
        .find(|(l, _)| *l == letter)
        .map(|(_, n)| *n)?;
    Some((letter, name))
}

/// `BUILTIN.DF(status)`: e.g. `CustInvc:A` → `Invoice : Open`.
pub fn status_display(stored: &str) -> Option<String> {
    let (ty, _) = stored.split_once(':')?;
    let (_, name) = status_parts(stored)?;
    Some(format!("{} : {}", tran_type_name(ty)?, name))
}

/// Columns whose values are dates or timestamps, for Oracle-style date arithmetic in SuiteQL.
pub const DATE_COLUMNS: &[&str] = &[
    "trandate",
    "duedate",
    "hiredate",
    "datecreated",
    "createddate",
    "lastmodifieddate",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_display_names_type_and_status() {
        assert_eq!(
            status_display("CustInvc:A").as_deref(),
            Some("Invoice : Open")
        );
        assert_eq!(
            status_display("SalesOrd:B").as_deref(),
            Some("Sales Order : Pending Fulfillment")
        );
        assert_eq!(status_display("CustInvc:Z"), None);
        assert_eq!(status_display("nonsense"), None);
    }

    #[test]
    fn record_type_lookup_is_case_insensitive() {
        assert_eq!(
            record_type("SalesOrder").map(|r| r.name),
            Some("salesorder")
        );
        assert!(record_type("nosuchtype").is_none());
        assert!(
            record_type("customer")
                .and_then(|r| r.field("COMPANYNAME"))
                .is_some()
        );
    }

    #[test]
    fn every_column_of_every_record_type_exists_in_the_ddl() {
        let conn = rusqlite::Connection::open_in_memory().expect("open");
        conn.execute_batch(DDL).expect("ddl");
        for rt in RECORD_TYPES {
            for fld in rt.fields {
                let sql = format!("SELECT \"{}\" FROM \"{}\"", fld.column, rt.table);
                assert!(conn.prepare(&sql).is_ok(), "{}.{}", rt.name, fld.column);
            }
            for sl in rt.sublists {
                for fld in sl.fields {
                    let sql = format!("SELECT \"{}\" FROM \"{}\"", fld.column, sl.table);
                    assert!(conn.prepare(&sql).is_ok(), "{}.{}", sl.name, fld.column);
                }
            }
        }
    }
}
