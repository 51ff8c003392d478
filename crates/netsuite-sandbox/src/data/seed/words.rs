//! Word lists the demo data is drawn from: company, person and product names, titles, memos.

pub(super) const PREFIXES: &[&str] = &[
    "Acme",
    "Blue Ridge",
    "Cedar",
    "Summit",
    "Northwind",
    "Harbor",
    "Silverline",
    "Pinnacle",
    "Evergreen",
    "Redwood",
    "Ironclad",
    "Brightwater",
    "Golden Gate",
    "Maple",
    "Horizon",
    "Keystone",
    "Lakeside",
    "Orion",
    "Granite",
    "Sterling",
    "Coastal",
    "Riverbend",
    "Aurora",
    "Falcon",
    "Juniper",
];
pub(super) const CORES: &[&str] = &[
    "Logistics",
    "Manufacturing",
    "Outfitters",
    "Analytics",
    "Foods",
    "Medical",
    "Robotics",
    "Textiles",
    "Builders",
    "Energy",
    "Software",
    "Hospitality",
    "Marine",
    "Optics",
    "Supply",
    "Design",
];
pub(super) const SUFFIXES: &[&str] = &["Inc.", "LLC", "Ltd", "Co.", "Group", "Corp."];
pub(super) const FIRST: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
    "Mia", "Mason", "Amelia", "Ethan", "Harper", "Logan", "Evelyn", "Aiden", "Abigail", "Jackson",
    "Priya", "Kenji", "Fatima", "Mateo", "Chloe", "Omar", "Grace", "Diego",
];
pub(super) const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Patel",
    "Nakamura",
    "Okafor",
    "Schmidt",
    "Rossi",
    "Dubois",
];
pub(super) const TITLES: &[&str] = &[
    "Accounts Payable Manager",
    "Purchasing Director",
    "Controller",
    "Operations Manager",
    "CFO",
    "Office Manager",
    "Buyer",
    "VP Finance",
];
pub(super) const EMP_TITLES: &[&str] = &[
    "Account Executive",
    "Sales Manager",
    "Accountant",
    "AR Specialist",
    "Buyer",
    "Warehouse Lead",
];
pub(super) const INDUSTRIES: &[&str] = &[
    "Retail",
    "Healthcare",
    "Manufacturing",
    "Technology",
    "Hospitality",
    "Energy",
];
pub(super) const PRODUCTS: &[&str] = &[
    "Widget", "Gadget", "Bracket", "Sensor", "Valve", "Cable", "Panel", "Filter", "Pump", "Bearing",
];
pub(super) const MATERIALS: &[&str] = &["Steel", "Aluminum", "Copper", "Carbon", "Nylon", "Brass"];
pub(super) const SIZES: &[&str] = &["Small", "Medium", "Large", "XL"];
pub(super) const SERVICES: &[&str] = &[
    "Installation Service",
    "Extended Warranty",
    "Consulting Hour",
    "Training Session",
    "Shipping & Handling",
    "Annual Support Plan",
    "Calibration Service",
    "Design Review",
];
pub(super) const MEMOS: &[&str] = &[
    "Rush order",
    "Net 30",
    "Quarterly restock",
    "Trade show order",
    "Replacement parts",
    "Website order",
    "Customer called in",
    "Spring promotion",
];
pub(super) const CHANNELS: &[&str] = &["Web", "Phone", "Partner", "Field Sales"];
