//! Rapport's terminal client as a library, so tests and benchmarks can
//! drive `update` and render screens without a terminal. The binary
//! (`main.rs`) only parses the command line and calls [`start::main`].
//!
//! - [`app`]: state, actions, effects, `update` (the Elm-shaped core)
//! - [`ui`]: `draw`, pure, one file per screen or panel
//! - [`runtime`]: the event loop and the effect executor
//! - [`api`]: the HTTP client and the live event stream; [`embedded`]: the
//!   in-process demo server
//! - [`outbox`]: every write, durable on disk until the server has it;
//!   [`drafts`]: forms saved as they are typed
//! - [`config`], [`keymap`], [`theme`], [`cli`]: settings and their layers
//! - [`sanitize`]: server text made safe for a terminal; [`fuzzy`]: match
//!   highlighting; [`tui`]: the terminal guard
//! - [`fixtures`]: hand-built data for tests and benchmarks

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod dirs;
pub mod drafts;
pub mod embedded;
pub mod fixtures;
pub mod fuzzy;
pub mod keymap;
pub mod outbox;
pub mod runtime;
pub mod sanitize;
pub mod start;
pub mod termcaps;
pub mod theme;
pub mod tui;
pub mod ui;
