//! Transports the MCP server is offered on.

pub mod stdio;
