//! The demo account's tables, as SQLite DDL.

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
