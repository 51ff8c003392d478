//! Deterministic demo data for the sandbox account: a fixed seed and a small PRNG, so every run (and every
//! test) sees the same customers, items and transactions.

mod words;

use rusqlite::{Connection, params};

use words::{
    CHANNELS, CORES, EMP_TITLES, FIRST, INDUSTRIES, LAST, MATERIALS, MEMOS, PREFIXES, PRODUCTS,
    SERVICES, SIZES, SUFFIXES, TITLES,
};

/// SplitMix64: tiny, good enough for demo data, and stable across platforms.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0; returns 0 for `n == 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo + 1).max(1) as u64;
        lo + self.below(span) as i64
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items
            .get(self.below(items.len() as u64) as usize)
            .copied()
            .unwrap_or("")
    }
}

const SEED: u64 = 0x5EED_2024_0000_0001;

/// Number of customers in the demo account.
pub const CUSTOMERS: usize = 125;

fn slug(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// `YYYY-MM-DD` for a day number counted from 2023-01-01 (proleptic Gregorian, no time zones).
pub fn date_from_day(day: i64) -> String {
    let (y, m, d) = civil_from_days(days_from_civil(2023, 1, 1) + day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date for days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn timestamp(rng: &mut Rng, day: i64) -> String {
    format!(
        "{} {:02}:{:02}:{:02}",
        date_from_day(day),
        rng.range(7, 18),
        rng.range(0, 59),
        rng.range(0, 59)
    )
}

/// A timestamp up to `span` days after `day`.
fn later(rng: &mut Rng, day: i64, span: i64) -> String {
    let d = day + rng.range(0, span);
    timestamp(rng, d)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Fills an empty database (created from [`super::schema::DDL`]) with the demo account.
pub fn seed(conn: &mut Connection) -> rusqlite::Result<()> {
    let mut rng = Rng::new(SEED);
    let tx = conn.transaction()?;

    tx.execute_batch(
        "INSERT INTO currency (id, name, symbol, exchangerate, isbasecurrency) VALUES
           (1, 'US Dollar', 'USD', 1.0, 'T'), (2, 'British pound', 'GBP', 1.27, 'F'),
           (3, 'Canadian Dollar', 'CAD', 0.74, 'F'), (4, 'Euro', 'EUR', 1.09, 'F');
         INSERT INTO subsidiary (id, name, country, currency, parent) VALUES
           (1, 'Honeycomb Holdings Inc.', 'US', 1, NULL), (2, 'Honeycomb US', 'US', 1, 1),
           (3, 'Honeycomb UK Ltd', 'GB', 2, 1), (4, 'Honeycomb Canada', 'CA', 3, 1);",
    )?;
    // Currency of each subsidiary (index = subsidiary id).
    let sub_currency = [0_i64, 1, 1, 2, 3];

    // Entities share one id sequence, as in NetSuite.
    let mut next_entity = 1_i64;

    // Employees: the first is everyone's supervisor.
    let mut employees = Vec::new();
    {
        let mut st = tx.prepare(
            "INSERT INTO employee (id, entityid, firstname, lastname, email, phone, title, supervisor, subsidiary,
               hiredate, isinactive, externalid, datecreated, lastmodifieddate)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?;
        for i in 0..15 {
            let id = next_entity;
            next_entity += 1;
            let first = rng.pick(FIRST);
            let last = rng.pick(LAST);
            let name = format!("{first} {last}");
            let supervisor = if i == 0 { None } else { Some(1_i64) };
            let title = if i == 0 { "CEO" } else { rng.pick(EMP_TITLES) };
            let created = rng.range(0, 60);
            st.execute(params![
                id,
                name,
                first,
                last,
                format!("{}.{}@honeycomb.example", slug(first), slug(last)),
                format!("(555) 010-{:04}", 1000 + id),
                title,
                supervisor,
                1 + rng.range(1, 3),
                date_from_day(rng.range(-1500, 0)),
                if i == 14 { "T" } else { "F" },
                format!("EMP-{id:04}"),
                timestamp(&mut rng, created),
                later(&mut rng, created, 300),
            ])?;
            employees.push(id);
        }
    }
    let reps: Vec<i64> = employees.iter().copied().skip(1).take(6).collect();

    // Customers: unique company names; some inactive, some with external ids, some without email/phone.
    let mut customers = Vec::new();
    {
        let mut st = tx.prepare(
            "INSERT INTO customer (id, entityid, companyname, email, phone, isinactive, externalid, subsidiary,
               currency, salesrep, creditlimit, balance, comments, datecreated, lastmodifieddate,
               custentity_industry, custentity_loyalty_tier)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, ?12, ?13, ?14, ?15, ?16)",
        )?;
        let mut used = std::collections::HashSet::new();
        while customers.len() < CUSTOMERS {
            let name = format!(
                "{} {} {}",
                rng.pick(PREFIXES),
                rng.pick(CORES),
                rng.pick(SUFFIXES)
            );
            if !used.insert(name.clone()) {
                continue;
            }
            let id = next_entity;
            next_entity += 1;
            let n = customers.len();
            let sub = 2 + rng.below(3) as i64;
            let email = (!rng.chance(12)).then(|| {
                format!(
                    "{}@{}.example",
                    rng.pick(&["ap", "billing", "orders", "accounts"]),
                    slug(&name)
                )
            });
            let phone = (!rng.chance(15))
                .then(|| format!("({}) 555-{:04}", rng.range(201, 989), rng.range(0, 9999)));
            let created = rng.range(0, 400);
            st.execute(params![
                id,
                name,
                name,
                email,
                phone,
                if n % 11 == 5 { "T" } else { "F" },
                (n % 5 < 2).then(|| format!("SF-{:05}", 10_000 + n * 7)),
                sub,
                sub_currency.get(sub as usize).copied().unwrap_or(1),
                reps.get(rng.below(reps.len() as u64) as usize).copied(),
                (rng.range(1, 20) * 5000) as f64,
                rng.chance(20)
                    .then(|| "Prefers e-mail invoices.".to_owned()),
                timestamp(&mut rng, created),
                later(&mut rng, created, 500),
                rng.chance(80).then(|| rng.pick(INDUSTRIES).to_owned()),
                rng.chance(60).then(|| rng.range(1, 3)),
            ])?;
            customers.push((id, sub));
        }
    }

    // Contacts: one or two per customer for most customers.
    {
        let mut st = tx.prepare(
            "INSERT INTO contact (id, entityid, firstname, lastname, email, phone, title, company, subsidiary,
               isinactive, externalid, datecreated, lastmodifieddate)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, ?11, ?12)",
        )?;
        for &(cust, sub) in &customers {
            for _ in 0..rng.range(0, 2) {
                let id = next_entity;
                next_entity += 1;
                let first = rng.pick(FIRST);
                let last = rng.pick(LAST);
                let created = rng.range(0, 500);
                st.execute(params![
                    id,
                    format!("{first} {last}"),
                    first,
                    last,
                    rng.chance(90).then(|| format!(
                        "{}.{}{}@mail.example",
                        slug(first),
                        slug(last),
                        id
                    )),
                    rng.chance(70).then(|| format!(
                        "({}) 555-{:04}",
                        rng.range(201, 989),
                        rng.range(0, 9999)
                    )),
                    rng.pick(TITLES),
                    cust,
                    sub,
                    if rng.chance(5) { "T" } else { "F" },
                    timestamp(&mut rng, created),
                    later(&mut rng, created, 200),
                ])?;
            }
        }
    }

    // Vendors.
    let mut vendors = Vec::new();
    {
        let mut st = tx.prepare(
            "INSERT INTO vendor (id, entityid, companyname, email, phone, isinactive, externalid, subsidiary,
               currency, balance, datecreated, lastmodifieddate, custentity_vendor_rating)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11, ?12)",
        )?;
        let mut used = std::collections::HashSet::new();
        while vendors.len() < 30 {
            let name = format!(
                "{} {} Supply {}",
                rng.pick(PREFIXES),
                rng.pick(MATERIALS),
                rng.pick(SUFFIXES)
            );
            if !used.insert(name.clone()) {
                continue;
            }
            let id = next_entity;
            next_entity += 1;
            let sub = 2 + rng.below(3) as i64;
            let created = rng.range(0, 300);
            st.execute(params![
                id,
                name,
                name,
                rng.chance(85)
                    .then(|| format!("sales@{}.example", slug(&name))),
                rng.chance(85).then(|| format!(
                    "({}) 555-{:04}",
                    rng.range(201, 989),
                    rng.range(0, 9999)
                )),
                if vendors.len() % 13 == 7 { "T" } else { "F" },
                (vendors.len() % 3 == 0).then(|| format!("V-{:04}", 100 + vendors.len())),
                sub,
                sub_currency.get(sub as usize).copied().unwrap_or(1),
                timestamp(&mut rng, created),
                later(&mut rng, created, 300),
                rng.chance(70).then(|| rng.range(1, 5)),
            ])?;
            vendors.push((id, sub));
        }
    }

    // Items: inventory parts and non-inventory services.
    let mut items: Vec<(i64, f64)> = Vec::new();
    {
        let mut st = tx.prepare(
            "INSERT INTO item (id, itemid, displayname, itemtype, description, baseprice, cost, isinactive,
               externalid, subsidiary, createddate, lastmodifieddate)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10, ?11)",
        )?;
        let mut used = std::collections::HashSet::new();
        let mut id = 1_i64;
        while items.len() < 30 + SERVICES.len() {
            let inventory = items.len() < 30;
            let (itemid, display, desc) = if inventory {
                let (p, m, s) = (rng.pick(PRODUCTS), rng.pick(MATERIALS), rng.pick(SIZES));
                let code = format!(
                    "{}-{}-{}",
                    &p[..3].to_ascii_uppercase(),
                    &m[..2].to_ascii_uppercase(),
                    s.chars().next().unwrap_or('X')
                );
                (
                    code,
                    format!("{m} {p} ({s})"),
                    format!("{s} {m} {p}, boxed"),
                )
            } else {
                let s = SERVICES.get(items.len() - 30).copied().unwrap_or("Service");
                (
                    format!("SVC-{}", slug(s).to_ascii_uppercase()),
                    s.to_owned(),
                    format!("{s} (per unit)"),
                )
            };
            if !used.insert(itemid.clone()) {
                continue;
            }
            let price = round2(rng.range(500, 50_000) as f64 / 100.0);
            let created = rng.range(0, 100);
            st.execute(params![
                id,
                itemid,
                display,
                if inventory { "InvtPart" } else { "NonInvtPart" },
                desc,
                price,
                round2(price * 0.55),
                if items.len() % 17 == 16 { "T" } else { "F" },
                items
                    .len()
                    .is_multiple_of(4)
                    .then(|| format!("ITEM-{id:03}")),
                timestamp(&mut rng, created),
                later(&mut rng, created, 300),
            ])?;
            items.push((id, price));
            id += 1;
        }
    }

    // Transactions with lines. Dates span 2024-01-01 .. 2025-12-31.
    {
        let mut st_tran = tx.prepare(
            "INSERT INTO \"transaction\" (id, tranid, type, trandate, entity, status, foreigntotal, memo,
               otherrefnum, duedate, currency, exchangerate, subsidiary, employee, externalid, createddate,
               lastmodifieddate, custbody_sales_channel)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        )?;
        let mut st_line = tx.prepare(
            "INSERT INTO transactionline (uniquekey, id, \"transaction\", linesequencenumber, item, quantity,
               rate, netamount, memo) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        let rates = [1.0_f64, 1.0, 1.0, 1.27, 0.74];
        let plan: [(&str, usize); 4] = [
            ("SalesOrd", 240),
            ("CustInvc", 220),
            ("VendBill", 80),
            ("CustPymt", 120),
        ];
        let mut id = 1_i64;
        let mut line_key = 1_i64;
        for (ty, count) in plan {
            for n in 0..count {
                let day = rng.range(365, 365 + 730);
                let (entity, sub) = if ty == "VendBill" {
                    vendors
                        .get(rng.below(vendors.len() as u64) as usize)
                        .copied()
                        .unwrap_or((1, 2))
                } else {
                    customers
                        .get(rng.below(customers.len() as u64) as usize)
                        .copied()
                        .unwrap_or((1, 2))
                };
                let currency = sub_currency.get(sub as usize).copied().unwrap_or(1);
                let exrate = rates.get(sub as usize).copied().unwrap_or(1.0);
                let mut total = 0.0;
                if ty != "CustPymt" {
                    let nlines = rng.range(1, 4);
                    for seq in 1..=nlines {
                        let (item, price) = items
                            .get(rng.below(items.len() as u64) as usize)
                            .copied()
                            .unwrap_or((1, 10.0));
                        let qty = rng.range(1, 25) as f64;
                        let rate = if ty == "VendBill" {
                            round2(price * 0.55)
                        } else {
                            price
                        };
                        let amount = round2(qty * rate);
                        total += amount;
                        st_line.execute(params![
                            line_key,
                            seq,
                            id,
                            seq,
                            item,
                            qty,
                            rate,
                            amount,
                            rng.chance(25).then(|| rng.pick(MEMOS).to_owned()),
                        ])?;
                        line_key += 1;
                    }
                } else {
                    total = round2(rng.range(10_000, 2_500_000) as f64 / 100.0);
                }
                let letter = match ty {
                    "SalesOrd" => rng.pick(&["A", "B", "B", "B", "D", "F", "G", "G", "H"]),
                    "CustInvc" | "VendBill" => {
                        if day < 365 + 600 && rng.chance(70) {
                            "B"
                        } else {
                            "A"
                        }
                    }
                    _ => rng.pick(&["B", "C", "C"]),
                };
                let (tranid, due) = match ty {
                    "SalesOrd" => (format!("SO{}", 1001 + n), None),
                    "CustInvc" => (format!("INV{}", 1001 + n), Some(date_from_day(day + 30))),
                    "VendBill" => (
                        format!("VB-{}", rng.range(10_000, 99_999)),
                        Some(date_from_day(day + 30)),
                    ),
                    _ => (format!("PYMT{}", 1001 + n), None),
                };
                st_tran.execute(params![
                    id,
                    tranid,
                    ty,
                    date_from_day(day),
                    entity,
                    format!("{ty}:{letter}"),
                    round2(total),
                    rng.chance(40).then(|| rng.pick(MEMOS).to_owned()),
                    (ty == "SalesOrd" && rng.chance(50))
                        .then(|| format!("PO-{}", rng.range(1000, 9999))),
                    due,
                    currency,
                    exrate,
                    sub,
                    (ty != "VendBill")
                        .then(|| reps.get(rng.below(reps.len() as u64) as usize).copied()),
                    (n % 10 == 3).then(|| format!("{}-{:05}", ty.to_ascii_uppercase(), n)),
                    timestamp(&mut rng, day),
                    later(&mut rng, day, 20),
                    (ty == "SalesOrd").then(|| rng.pick(CHANNELS).to_owned()),
                ])?;
                id += 1;
            }
        }
    }

    // Balances follow from open invoices and bills.
    tx.execute_batch(
        "UPDATE customer SET balance = COALESCE((SELECT ROUND(SUM(foreigntotal), 2) FROM \"transaction\" t
           WHERE t.entity = customer.id AND t.type = 'CustInvc' AND t.status = 'CustInvc:A'), 0);
         UPDATE vendor SET balance = COALESCE((SELECT ROUND(SUM(foreigntotal), 2) FROM \"transaction\" t
           WHERE t.entity = vendor.id AND t.type = 'VendBill' AND t.status = 'VendBill:A'), 0);",
    )?;
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_date_round_trips() {
        for (y, m, d) in [(2024, 2, 29), (2023, 1, 1), (1999, 12, 31), (2100, 3, 1)] {
            assert_eq!(civil_from_days(days_from_civil(y, m, d)), (y, m, d));
        }
        assert_eq!(date_from_day(0), "2023-01-01");
        assert_eq!(date_from_day(365), "2024-01-01");
        assert_eq!(date_from_day(365 + 59), "2024-02-29");
    }

    #[test]
    fn rng_is_deterministic() {
        let a: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..5).map(|_| r.next_u64()).collect()
        };
        let mut r = Rng::new(7);
        let b: Vec<u64> = (0..5).map(|_| r.next_u64()).collect();
        assert_eq!(a, b);
        assert_ne!(a[0], a[1]);
    }
}
