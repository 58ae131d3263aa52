//! Rapport's terminal client as a library, so tests and benchmarks can drive
//! `update` and render screens without a terminal. The binary is `main.rs`.

pub mod api;
pub mod app;
pub mod config;
pub mod dirs;
pub mod fixtures;
pub mod fuzzy;
pub mod keymap;
pub mod runtime;
pub mod sanitize;
pub mod theme;
pub mod tui;
pub mod ui;
