//! The embedded NetSuite-compatible sandbox: test double for every integration test and `serve --sandbox`.

pub mod data;
pub mod error;
