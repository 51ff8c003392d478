//! Transports the MCP server is offered on.

pub mod http;
pub mod stdio;
