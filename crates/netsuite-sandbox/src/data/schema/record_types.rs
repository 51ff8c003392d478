//! The field tables of every record type the sandbox serves, and [`RECORD_TYPES`], which lists them in catalog
//! order.

use super::{Field, Kind, RecordType, Sublist, Target};
use Kind::*;
use Target as T;

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
