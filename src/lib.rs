//! netsuite-mcp: a Model Context Protocol server for Oracle NetSuite.

pub mod sandbox;
