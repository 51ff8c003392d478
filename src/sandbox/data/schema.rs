//! The sandbox's record types: one table of fields per REST record type, mapping REST (camelCase) names to
//! SuiteQL columns. The same table drives the record service, the `q` filter and the metadata catalog.

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

const fn f(name: &'static str, column: &'static str, kind: Kind, title: &'static str) -> Field {
    Field {
        name,
        column,
        kind,
        title,
        read_only: false,
        mandatory: false,
        custom: false,
    }
}

const fn ro(name: &'static str, column: &'static str, kind: Kind, title: &'static str) -> Field {
    Field {
        read_only: true,
        ..f(name, column, kind, title)
    }
}

const fn req(name: &'static str, column: &'static str, kind: Kind, title: &'static str) -> Field {
    Field {
        mandatory: true,
        ..f(name, column, kind, title)
    }
}

const fn cust(name: &'static str, kind: Kind, title: &'static str) -> Field {
    Field {
        custom: true,
        ..f(name, name, kind, title)
    }
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

use Kind::*;
use Target as T;

const LINE_FIELDS: &[Field] = &[
    ro("line", "linesequencenumber", Integer, "Line"),
    req("item", "item", Ref(T::Item), "Item"),
    f("quantity", "quantity", Float, "Quantity"),
    f("rate", "rate", Currency, "Rate"),
    f("amount", "netamount", Currency, "Amount"),
    f("description", "memo", Text, "Description"),
];

const ITEM_SUBLIST: &[Sublist] = &[Sublist {
    name: "item",
    title: "Items",
    table: "transactionline",
    parent_column: "transaction",
    fields: LINE_FIELDS,
}];

const CUSTOMER: &[Field] = &[
    f("entityId", "entityid", Text, "Customer ID"),
    req("companyName", "companyname", Text, "Company Name"),
    f("email", "email", Email, "Email"),
    f("phone", "phone", Phone, "Phone"),
    f("isInactive", "isinactive", Bool, "Inactive"),
    f("externalId", "externalid", Text, "External ID"),
    f(
        "subsidiary",
        "subsidiary",
        Ref(T::Subsidiary),
        "Primary Subsidiary",
    ),
    f("currency", "currency", Ref(T::Currency), "Currency"),
    f("salesRep", "salesrep", Ref(T::Employee), "Sales Rep"),
    f("creditLimit", "creditlimit", Currency, "Credit Limit"),
    ro("balance", "balance", Currency, "Balance"),
    f("comments", "comments", Text, "Comments"),
    ro("dateCreated", "datecreated", DateTime, "Date Created"),
    ro(
        "lastModifiedDate",
        "lastmodifieddate",
        DateTime,
        "Last Modified Date",
    ),
    cust("custentity_industry", Text, "Industry"),
    cust("custentity_loyalty_tier", Integer, "Loyalty Tier"),
];

const CONTACT: &[Field] = &[
    f("entityId", "entityid", Text, "Name"),
    req("firstName", "firstname", Text, "First Name"),
    req("lastName", "lastname", Text, "Last Name"),
    f("email", "email", Email, "Email"),
    f("phone", "phone", Phone, "Phone"),
    f("title", "title", Text, "Job Title"),
    f("company", "company", Ref(T::Customer), "Company"),
    f("subsidiary", "subsidiary", Ref(T::Subsidiary), "Subsidiary"),
    f("isInactive", "isinactive", Bool, "Inactive"),
    f("externalId", "externalid", Text, "External ID"),
    ro("dateCreated", "datecreated", DateTime, "Date Created"),
    ro(
        "lastModifiedDate",
        "lastmodifieddate",
        DateTime,
        "Last Modified Date",
    ),
];

const VENDOR: &[Field] = &[
    f("entityId", "entityid", Text, "Vendor ID"),
    req("companyName", "companyname", Text, "Company Name"),
    f("email", "email", Email, "Email"),
    f("phone", "phone", Phone, "Phone"),
    f("isInactive", "isinactive", Bool, "Inactive"),
    f("externalId", "externalid", Text, "External ID"),
    f(
        "subsidiary",
        "subsidiary",
        Ref(T::Subsidiary),
        "Primary Subsidiary",
    ),
    f("currency", "currency", Ref(T::Currency), "Currency"),
    ro("balance", "balance", Currency, "Balance"),
    ro("dateCreated", "datecreated", DateTime, "Date Created"),
    ro(
        "lastModifiedDate",
        "lastmodifieddate",
        DateTime,
        "Last Modified Date",
    ),
    cust("custentity_vendor_rating", Integer, "Vendor Rating"),
];

const EMPLOYEE: &[Field] = &[
    f("entityId", "entityid", Text, "Name"),
    req("firstName", "firstname", Text, "First Name"),
    req("lastName", "lastname", Text, "Last Name"),
    f("email", "email", Email, "Email"),
    f("phone", "phone", Phone, "Phone"),
    f("title", "title", Text, "Job Title"),
    f("supervisor", "supervisor", Ref(T::Employee), "Supervisor"),
    f("subsidiary", "subsidiary", Ref(T::Subsidiary), "Subsidiary"),
    f("hireDate", "hiredate", Date, "Hire Date"),
    f("isInactive", "isinactive", Bool, "Inactive"),
    f("externalId", "externalid", Text, "External ID"),
    ro("dateCreated", "datecreated", DateTime, "Date Created"),
    ro(
        "lastModifiedDate",
        "lastmodifieddate",
        DateTime,
        "Last Modified Date",
    ),
];

const ITEM: &[Field] = &[
    req("itemId", "itemid", Text, "Item Name/Number"),
    f("displayName", "displayname", Text, "Display Name"),
    f("salesDescription", "description", Text, "Sales Description"),
    f("basePrice", "baseprice", Currency, "Base Price"),
    f("cost", "cost", Currency, "Purchase Price"),
    f("isInactive", "isinactive", Bool, "Inactive"),
    f("externalId", "externalid", Text, "External ID"),
    f("subsidiary", "subsidiary", Ref(T::Subsidiary), "Subsidiary"),
    ro("createdDate", "createddate", DateTime, "Date Created"),
    ro(
        "lastModifiedDate",
        "lastmodifieddate",
        DateTime,
        "Last Modified Date",
    ),
];

const SALES_TRAN: &[Field] = &[
    f("tranId", "tranid", Text, "Document Number"),
    f("tranDate", "trandate", Date, "Date"),
    req("entity", "entity", Ref(T::Customer), "Customer"),
    ro("status", "status", Status, "Status"),
    ro("total", "foreigntotal", Currency, "Total"),
    f("memo", "memo", Text, "Memo"),
    f("otherRefNum", "otherrefnum", Text, "PO #"),
    f("dueDate", "duedate", Date, "Due Date"),
    f("currency", "currency", Ref(T::Currency), "Currency"),
    f("exchangeRate", "exchangerate", Float, "Exchange Rate"),
    f("subsidiary", "subsidiary", Ref(T::Subsidiary), "Subsidiary"),
    f("salesRep", "employee", Ref(T::Employee), "Sales Rep"),
    f("externalId", "externalid", Text, "External ID"),
    ro("createdDate", "createddate", DateTime, "Date Created"),
    ro(
        "lastModifiedDate",
        "lastmodifieddate",
        DateTime,
        "Last Modified Date",
    ),
    cust("custbody_sales_channel", Text, "Sales Channel"),
];

const VENDOR_BILL: &[Field] = &[
    f("tranId", "tranid", Text, "Reference No."),
    f("tranDate", "trandate", Date, "Date"),
    req("entity", "entity", Ref(T::Vendor), "Vendor"),
    ro("status", "status", Status, "Status"),
    ro("total", "foreigntotal", Currency, "Total"),
    f("memo", "memo", Text, "Memo"),
    f("dueDate", "duedate", Date, "Due Date"),
    f("currency", "currency", Ref(T::Currency), "Currency"),
    f("exchangeRate", "exchangerate", Float, "Exchange Rate"),
    f("subsidiary", "subsidiary", Ref(T::Subsidiary), "Subsidiary"),
    f("externalId", "externalid", Text, "External ID"),
    ro("createdDate", "createddate", DateTime, "Date Created"),
    ro(
        "lastModifiedDate",
        "lastmodifieddate",
        DateTime,
        "Last Modified Date",
    ),
];

// Real REST names the payer `customer` and the amount `payment`; SuiteQL has `entity` and `foreigntotal`.
const PAYMENT: &[Field] = &[
    f("tranId", "tranid", Text, "Payment #"),
    f("tranDate", "trandate", Date, "Date"),
    req("customer", "entity", Ref(T::Customer), "Customer"),
    ro("status", "status", Status, "Status"),
    req("payment", "foreigntotal", Currency, "Payment Amount"),
    f("memo", "memo", Text, "Memo"),
    f("currency", "currency", Ref(T::Currency), "Currency"),
    f("exchangeRate", "exchangerate", Float, "Exchange Rate"),
    f("subsidiary", "subsidiary", Ref(T::Subsidiary), "Subsidiary"),
    f("externalId", "externalid", Text, "External ID"),
    ro("createdDate", "createddate", DateTime, "Date Created"),
    ro(
        "lastModifiedDate",
        "lastmodifieddate",
        DateTime,
        "Last Modified Date",
    ),
];

const SUBSIDIARY: &[Field] = &[
    req("name", "name", Text, "Name"),
    f("country", "country", Text, "Country"),
    f("currency", "currency", Ref(T::Currency), "Currency"),
    f("parent", "parent", Ref(T::Subsidiary), "Subsidiary Of"),
    f("isInactive", "isinactive", Bool, "Inactive"),
];

const CURRENCY: &[Field] = &[
    req("name", "name", Text, "Name"),
    req("symbol", "symbol", Text, "ISO Code"),
    f(
        "exchangeRate",
        "exchangerate",
        Float,
        "Default Exchange Rate",
    ),
    ro("isBaseCurrency", "isbasecurrency", Bool, "Is Base Currency"),
    f("isInactive", "isinactive", Bool, "Inactive"),
];

/// Every record type the sandbox serves, in catalog order.
pub const RECORD_TYPES: &[RecordType] = &[
    RecordType {
        name: "contact",
        title: "Contact",
        table: "contact",
        discriminator: None,
        fields: CONTACT,
        sublists: &[],
        is_entity: true,
    },
    RecordType {
        name: "currency",
        title: "Currency",
        table: "currency",
        discriminator: None,
        fields: CURRENCY,
        sublists: &[],
        is_entity: false,
    },
    RecordType {
        name: "customer",
        title: "Customer",
        table: "customer",
        discriminator: None,
        fields: CUSTOMER,
        sublists: &[],
        is_entity: true,
    },
    RecordType {
        name: "customerpayment",
        title: "Customer Payment",
        table: "transaction",
        discriminator: Some(("type", "CustPymt")),
        fields: PAYMENT,
        sublists: &[],
        is_entity: false,
    },
    RecordType {
        name: "employee",
        title: "Employee",
        table: "employee",
        discriminator: None,
        fields: EMPLOYEE,
        sublists: &[],
        is_entity: true,
    },
    RecordType {
        name: "inventoryitem",
        title: "Inventory Item",
        table: "item",
        discriminator: Some(("itemtype", "InvtPart")),
        fields: ITEM,
        sublists: &[],
        is_entity: false,
    },
    RecordType {
        name: "invoice",
        title: "Invoice",
        table: "transaction",
        discriminator: Some(("type", "CustInvc")),
        fields: SALES_TRAN,
        sublists: ITEM_SUBLIST,
        is_entity: false,
    },
    RecordType {
        name: "noninventorysaleitem",
        title: "Non-inventory Item for Sale",
        table: "item",
        discriminator: Some(("itemtype", "NonInvtPart")),
        fields: ITEM,
        sublists: &[],
        is_entity: false,
    },
    RecordType {
        name: "salesorder",
        title: "Sales Order",
        table: "transaction",
        discriminator: Some(("type", "SalesOrd")),
        fields: SALES_TRAN,
        sublists: ITEM_SUBLIST,
        is_entity: false,
    },
    RecordType {
        name: "subsidiary",
        title: "Subsidiary",
        table: "subsidiary",
        discriminator: None,
        fields: SUBSIDIARY,
        sublists: &[],
        is_entity: false,
    },
    RecordType {
        name: "vendor",
        title: "Vendor",
        table: "vendor",
        discriminator: None,
        fields: VENDOR,
        sublists: &[],
        is_entity: true,
    },
    RecordType {
        name: "vendorbill",
        title: "Vendor Bill",
        table: "transaction",
        discriminator: Some(("type", "VendBill")),
        fields: VENDOR_BILL,
        sublists: ITEM_SUBLIST,
        is_entity: false,
    },
];

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

/// SQLite DDL of the demo account. Column names are NetSuite's SuiteQL names (lowercase). Declared types
/// `DATE` / `TIMESTAMP` make SuiteQL output raw date columns in the account's date format.
pub const DDL: &str = "
CREATE TABLE currency (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, symbol TEXT NOT NULL, exchangerate REAL,
  isbasecurrency TEXT NOT NULL DEFAULT 'F', isinactive TEXT NOT NULL DEFAULT 'F');
CREATE TABLE subsidiary (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT, currency INTEGER, parent INTEGER,
  isinactive TEXT NOT NULL DEFAULT 'F');
CREATE TABLE employee (
  id INTEGER PRIMARY KEY, entityid TEXT, firstname TEXT, lastname TEXT, email TEXT, phone TEXT, title TEXT,
  supervisor INTEGER, subsidiary INTEGER, hiredate DATE, isinactive TEXT NOT NULL DEFAULT 'F', externalid TEXT UNIQUE,
  datecreated TIMESTAMP, lastmodifieddate TIMESTAMP);
CREATE TABLE customer (
  id INTEGER PRIMARY KEY, entityid TEXT, companyname TEXT, email TEXT, phone TEXT,
  isinactive TEXT NOT NULL DEFAULT 'F', externalid TEXT UNIQUE, subsidiary INTEGER, currency INTEGER,
  salesrep INTEGER, creditlimit REAL, balance REAL, comments TEXT, datecreated TIMESTAMP, lastmodifieddate TIMESTAMP,
  custentity_industry TEXT, custentity_loyalty_tier INTEGER);
CREATE TABLE contact (
  id INTEGER PRIMARY KEY, entityid TEXT, firstname TEXT, lastname TEXT, email TEXT, phone TEXT, title TEXT,
  company INTEGER, subsidiary INTEGER, isinactive TEXT NOT NULL DEFAULT 'F', externalid TEXT UNIQUE,
  datecreated TIMESTAMP, lastmodifieddate TIMESTAMP);
CREATE TABLE vendor (
  id INTEGER PRIMARY KEY, entityid TEXT, companyname TEXT, email TEXT, phone TEXT,
  isinactive TEXT NOT NULL DEFAULT 'F', externalid TEXT UNIQUE, subsidiary INTEGER, currency INTEGER, balance REAL,
  datecreated TIMESTAMP, lastmodifieddate TIMESTAMP, custentity_vendor_rating INTEGER);
CREATE TABLE item (
  id INTEGER PRIMARY KEY, itemid TEXT, displayname TEXT, itemtype TEXT NOT NULL, description TEXT,
  baseprice REAL, cost REAL, isinactive TEXT NOT NULL DEFAULT 'F', externalid TEXT UNIQUE, subsidiary INTEGER,
  createddate TIMESTAMP, lastmodifieddate TIMESTAMP);
CREATE TABLE \"transaction\" (
  id INTEGER PRIMARY KEY, tranid TEXT, type TEXT NOT NULL, trandate DATE, entity INTEGER, status TEXT,
  foreigntotal REAL, memo TEXT, otherrefnum TEXT, duedate DATE, currency INTEGER, exchangerate REAL,
  subsidiary INTEGER, employee INTEGER, externalid TEXT, createddate TIMESTAMP, lastmodifieddate TIMESTAMP,
  custbody_sales_channel TEXT);
CREATE UNIQUE INDEX transaction_type_externalid ON \"transaction\"(type, externalid);
CREATE INDEX transaction_entity ON \"transaction\"(entity);
CREATE TABLE transactionline (
  uniquekey INTEGER PRIMARY KEY, id INTEGER NOT NULL, \"transaction\" INTEGER NOT NULL,
  linesequencenumber INTEGER NOT NULL, item INTEGER, quantity REAL, rate REAL, netamount REAL, memo TEXT,
  mainline TEXT NOT NULL DEFAULT 'F', taxline TEXT NOT NULL DEFAULT 'F');
CREATE INDEX transactionline_transaction ON transactionline(\"transaction\");
CREATE TABLE dual (dummy TEXT);
INSERT INTO dual VALUES ('X');
CREATE VIEW entity AS
  SELECT id, entityid, companyname AS altname, 'CustJob' AS type, email, phone, isinactive, externalid,
         subsidiary, datecreated, lastmodifieddate FROM customer
  UNION ALL SELECT id, entityid, companyname, 'Vendor', email, phone, isinactive, externalid, subsidiary,
         datecreated, lastmodifieddate FROM vendor
  UNION ALL SELECT id, entityid, firstname || ' ' || lastname, 'Employee', email, phone, isinactive, externalid,
         subsidiary, datecreated, lastmodifieddate FROM employee
  UNION ALL SELECT id, entityid, firstname || ' ' || lastname, 'Contact', email, phone, isinactive, externalid,
         subsidiary, datecreated, lastmodifieddate FROM contact;
";

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
