//! netsuite-mcp: a Model Context Protocol server for Oracle NetSuite.
//!
//! Data flows one way: [`config`] → [`auth`] → [`netsuite`] → tools → server → transport; `cli` wires it.

pub mod account;
pub mod auth;
pub mod catalog;
pub mod cert;
pub mod cli;
pub mod commands;
pub mod config;
pub mod custom;
pub mod install;
pub mod netsuite;
pub mod oauth;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod scale;
pub mod seal;
pub mod server;
pub mod transport;
